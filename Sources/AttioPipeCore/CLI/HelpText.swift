/// The text of `attio-pipe --help`. Every option the parser accepts is listed here, and
/// README.md says the same (a test checks both).
enum HelpText {
  static let text = """
    attio-pipe — turn identified analytics events into Attio person upserts

    USAGE
      attio-pipe [build] [OPTIONS] [FILE ...]   events in, request bodies out (no network)
      attio-pipe deliver [OPTIONS] [FILE ...]   events in, upserts sent, one result per event
      attio-pipe send [OPTIONS] [FILE ...]      request bodies in, sent, one result per body
      attio-pipe check [OPTIONS]                pre-flight: token, scopes, attribute slugs

      Reads Segment / Datafly Signal events (NDJSON: one JSON object per line) from the
      FILEs in order, or from stdin when none is named or for '-'. Remembers the traits that
      identify calls (and context.traits) give each visitor and user, and for every
      identity-bearing event makes the body of Attio's "assert person" request
      (PUT /v2/objects/people/records?matching_attribute=email_addresses).
      'build' prints one compact JSON body per line, in input order; 'deliver' sends them
      and prints one JSON result per eligible event; 'send' sends bodies that 'build'
      printed (or the "request" of failed results) and prints one result per body.

    EVENT OPTIONS (build, deliver)
      --events LIST            Comma-separated event names that trigger an upsert
                               (default: Identified,Signed Up,Lead Generated,Logged In).
                               'Identified' (or 'identify') means an identify call, never
                               a track of that name. Names match ignoring case and
                               separators: signed_up = Signed Up = signedUp.
      --default-country CC     ISO 3166-1 alpha-2 country for phone numbers written
                               without an international prefix (e.g. US, GB, DE), when
                               the person's address.country does not say.
      --no-userid-email        Never take the email from a userId that is an email
                               address (by default used when nothing else gives one).

    COMMON OPTIONS
      --attribute NAME=SLUG    Write the attribute NAME (email_addresses, name,
                               phone_numbers, job_title, description) under SLUG, for
                               workspaces that renamed it. Repeatable. 'send' renames
                               these slugs in the bodies it reads; 'check' checks SLUG.
      --strict                 Stop at the first invalid input line.
      --max-line-bytes N       Longest accepted input line in bytes (default 1048576);
                               longer lines are reported invalid and skipped.
      -q, --quiet              Only fatal errors on stderr.
      -v, --verbose            One NDJSON diagnostic per skipped event, warning and invalid
                               line on stderr, and the summary as JSON.
      --progress, --no-progress
                               Show (or never show) the live status line on stderr; by
                               default it is shown only when stderr is a terminal.
      --output FILE            Append what stdout would carry (bodies, results) to FILE
                               instead: created mode 0600, reopened on SIGHUP (logrotate).
      --diagnostics FILE       Append what stderr would carry (diagnostics, summary, errors)
                               to FILE instead: created 0600, reopened on SIGHUP.
      --metrics-file FILE      build, deliver, send: the run's counters in Prometheus text
                               format (node_exporter's textfile collector), rewritten
                               atomically every --state-interval and at exit.
      -h, --help               Show this help.
      -V, --version            Show the version.

    STATE OPTIONS (build, deliver, send; the identity ones for build and deliver)
      --state FILE             Keep identity profiles and what was delivered in FILE
                               (mode 0600): loaded at start, saved atomically every
                               --state-interval and at exit. Yesterday's identify still
                               attaches to today's Signed Up; a rerun sends nothing new.
      --state-interval D       How often the state (and --metrics-file) is saved (default
                               30s; fractions allowed).
      --reset-state            Start over, ignoring what FILE holds (it is replaced).
      --max-identities N       Profiles kept (default 1000000); the least recently seen go
                               first.
      --identity-ttl D         Forget profiles not seen for D of wall-clock time (default
                               90d; 0 keeps them).

    DELIVERY OPTIONS (deliver, send; check takes the first three)
      --api-key-file PATH      Read the API key from PATH instead of ATTIO_API_KEY. The key
                               is never taken as an argument (visible in ps) and never
                               printed. It needs record_permission:read-write and
                               object_configuration:read.
      --endpoint URL           API base URL (default: ATTIO_BASE_URL, else
                               https://api.attio.com). Plain http:// only for loopback.
      --timeout D              Time limit of one attempt (default 30s).
      --rate N                 Requests per second, retries included (default 25, Attio's
                               write limit; share it when several instances use one key).
      --concurrency N          Requests in flight at once (default 10).
      --max-attempts N         Attempts per request for 408/409/5xx/transport errors
                               (default 8); 429s do not count.
      --max-retry-time D       Give up retrying a request after D (default 5m).
      --grace D                After SIGINT/SIGTERM, time for queued and in-flight
                               requests to finish (default 10s); a second signal stops at
                               once. No attempt starts that could not finish in time; what
                               is left is not_sent, what was still in flight in_doubt.
      --drain-timeout D        After the end of input, time for queued and in-flight
                               requests to finish, then as for --grace (default: no limit).
      --settle-time D          After an attempt timed out (it may still land), how long the
                               person's writes wait before the newest values are asserted
                               again (default 10s).
      --no-dedupe              Send even when this run already upserted the same values.
      Durations: 500ms, 30s, 5m, 1h, or plain seconds.

    OUTPUT
      build: stdout carries only request bodies. deliver/send: one result per line,
      {"line","file","messageId","email","status","http_status","record_id","attempts",
      "error","request"}, status upserted | unchanged | failed | not_sent | in_doubt
      (sent, answer not seen: cut off by a deadline); failed, not_sent and in_doubt carry
      the event's own request for replay through 'send'. Invalid lines are reported on
      stderr with their line number (and file); a summary ends the run.

    EXIT STATUS
      0  all well
      1  some deliveries failed, were not sent or are in doubt (delivery modes); check:
         the endpoint could not be reached or answered with an error
      2  usage or configuration error (also: check found a missing or read-only slug)
      3  some input lines were invalid (the stream was still processed to the end)
      4  authentication or permission failure (401/403, inactive token, missing scope)
      5  interrupted by a signal
      When several apply, the first in the order 2, 4, 5, 1, 3 wins.

    EXAMPLES
      attio-pipe fixtures/seed-signup.ndjson
      tail -F events.log | attio-pipe --default-country GB | jq .
      attio-pipe --events 'Signed Up,Demo Requested' --attribute job_title=role day-*.ndjson
      ATTIO_API_KEY=... attio-pipe check
      ATTIO_API_KEY=... attio-pipe deliver events.ndjson > results.ndjson
      jq -c 'select(.status=="failed" or .status=="not_sent") | .request' results.ndjson \\
        | ATTIO_API_KEY=... attio-pipe send
      kcat -C -b kafka:9092 -t events -u | attio-pipe deliver --rate 12.5
      attio-pipe deliver --state /var/lib/attio-pipe/state --output results.ndjson \\
        --metrics-file /var/lib/node_exporter/attio_pipe.prom events.ndjson

    """
}
