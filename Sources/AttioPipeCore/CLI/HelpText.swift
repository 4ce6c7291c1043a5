/// The text of `attio-pipe --help`. Every option the parser accepts is listed here, and
/// README.md says the same.
enum HelpText {
  static let text = """
    attio-pipe — turn identified analytics events into Attio person upserts

    USAGE
      attio-pipe [build] [OPTIONS] [FILE ...]

      Reads Segment / Datafly Signal events (NDJSON: one JSON object per line) from the
      FILEs in order, or from stdin when none is named or for '-'. Remembers the traits that
      identify calls (and context.traits) give each visitor and user, and for every
      identity-bearing event prints the body of Attio's "assert person" request
      (PUT /v2/objects/people/records?matching_attribute=email_addresses), one compact
      JSON document per line, in input order. Nothing is sent: 'build' needs no API key.

    OPTIONS
      --events LIST            Comma-separated event names that trigger an upsert
                               (default: Identified,Signed Up,Lead Generated,Logged In).
                               'Identified' means an identify call. Names match ignoring
                               case and separators: signed_up = Signed Up = signedUp.
      --default-country CC     ISO 3166-1 alpha-2 country for phone numbers written
                               without an international prefix (e.g. US, GB, DE).
      --attribute NAME=SLUG    Write the attribute NAME (email_addresses, name,
                               phone_numbers, job_title, description) under SLUG, for
                               workspaces that renamed it. Repeatable.
      --strict                 Stop at the first invalid input line.
      --max-line-bytes N       Longest accepted input line in bytes (default 1048576);
                               longer lines are reported invalid and skipped.
      -q, --quiet              Only fatal errors on stderr.
      -v, --verbose            One NDJSON diagnostic per skipped event, warning and invalid
                               line on stderr, and the summary as JSON.
      -h, --help               Show this help.
      -V, --version            Show the version.

    OUTPUT
      stdout carries only request bodies. Invalid lines are reported on stderr with their
      line number (and file) and skipped; a one-line summary ends the run (unless --quiet).

    EXIT STATUS
      0  all well
      1  some deliveries failed or were not sent (delivery modes)
      2  usage or configuration error
      3  some input lines were invalid (the stream was still processed to the end)
      4  authentication or permission failure
      5  interrupted by a signal
      When several apply, the first in the order 2, 4, 5, 1, 3 wins.

    EXAMPLES
      attio-pipe fixtures/seed-signup.ndjson
      tail -F events.log | attio-pipe --default-country GB | jq .
      attio-pipe --events 'Signed Up,Demo Requested' --attribute job_title=role day-*.ndjson
      kcat -C -b kafka:9092 -t events -u | attio-pipe --verbose 2> diagnostics.ndjson

    """
}
