/// The text of `attio-pipe --help`: fixed prose around the options, which are printed from the
/// option table the parser uses (`CommandLineOption.all`), so every option it accepts is
/// listed. Documentation/Options.md says the same (a test checks it).
enum HelpText {
  static var text: String {
    introduction + options(CommandLineOption.all) + closing
  }

  /// Where an option's description starts, and the width it is wrapped to.
  static let descriptionColumn = 27
  static let width = 92

  /// The option sections: a title per group, one entry per option, in table order.
  static func options(_ table: [CommandLineOption]) -> String {
    var text = ""
    for group in CommandLineOption.Group.allCases {
      let entries = table.filter { $0.group == group }
      guard !entries.isEmpty else { continue }
      text += "\(group.title)\n"
      for option in entries {
        var help = option.help
        if option.modes != group.modes {
          let modes = CommandMode.allCases.filter(option.modes.contains).map(\.rawValue)
          help += " Modes: " + modes.joined(separator: ", ") + "."
        }
        text += entry(option.synopsis, help)
      }
      text += "\n"
    }
    text += "  Durations: 500ms, 30s, 5m, 1h, 2d, compounds such as 2m30s, or plain seconds.\n\n"
    return text
  }

  /// `  --name VALUE       Description ...` wrapped under the description column; a long
  /// synopsis gets the description on the lines below it.
  private static func entry(_ synopsis: String, _ description: String) -> String {
    let indent = String(repeating: " ", count: descriptionColumn)
    var lines: [String] = []
    var current = "  " + synopsis
    if current.count + 2 > descriptionColumn {
      lines.append(current)
      current = indent
    } else {
      current += String(repeating: " ", count: descriptionColumn - current.count)
    }
    var lineHasWords = false
    for word in description.split(separator: " ") {
      if lineHasWords && current.count + 1 + word.count > width {
        lines.append(current)
        current = indent
        lineHasWords = false
      }
      current += (lineHasWords ? " " : "") + word
      lineHasWords = true
    }
    lines.append(current)
    return lines.joined(separator: "\n") + "\n"
  }

  private static let introduction = """
    attio-pipe — turn identified analytics events into Attio person upserts

    USAGE
      attio-pipe [build] [OPTIONS] [FILE ...]   events in, request bodies out (no network)
      attio-pipe deliver [OPTIONS] [FILE ...]   events in, upserts sent, one result per event
      attio-pipe send [OPTIONS] [FILE ...]      request bodies in, sent, one result per body
      attio-pipe check [OPTIONS]                pre-flight: token, scopes, slugs, --map slugs

      Reads Segment / Datafly Signal events (NDJSON: one JSON object per line) from the
      FILEs in order, or from stdin when none is named or for '-'. Remembers the traits that
      identify calls (and context.traits) give each visitor and user, and for every
      identity-bearing event makes the body of Attio's "assert person" request
      (PUT /v2/objects/people/records?matching_attribute=email_addresses).
      'build' prints one compact JSON body per line, in input order; 'deliver' sends them
      (by default merged into what Attio holds: find, then PATCH or create; lists only gain
      values, single values such as the job title are overwritten unless --only-if-empty
      names them; --write-mode assert sends the assert itself) and prints one JSON result
      per eligible event; 'send' sends bodies that 'build' printed (or the "request" of
      failed results) and prints one result per body. An event seen before (its messageId,
      e.g. a rerun of the same input with the same --state) changes nothing and is sent
      nowhere.


    """

  private static let closing = """
    OUTPUT
      build: stdout carries only request bodies. deliver/send: one result per line,
      {"line","file","messageId","email","status","http_status","record_id","attempts",
      "error","request"}, status upserted | unchanged | duplicate (seen before, not sent) |
      failed | not_sent | in_doubt (sent, answer not seen: cut off by a deadline); failed,
      not_sent and in_doubt carry the event's own request for replay through 'send'.
      Invalid lines are reported on stderr with their line number (and file); a summary
      ends the run (statuses count events; created, updated and asserted count writes).
      --companies: company bodies are marked {"object":"companies","data":{...}} ('send'
      reads the marker and strips it), and company results carry "object":"companies" and
      "domain" in place of "email". --users/--workspaces: users and workspaces bodies are
      marked the same way (memberships also "operation":"add"); a result lists its event's
      linked writes in "linked", and a failed one names "failed_object" and carries
      "linked_requests" for replay. --list-entry: entry lines are marked
      {"object":"list_entries","list":...} and name their person by email; results list
      each entry in "linked" ("entry_id"). --signal: a write of a person's signals alone is
      a body (and result) of its own: the email and the signals.

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
      ATTIO_API_KEY=... attio-pipe check --map traits.plan=plan --save-schema schema.json
      attio-pipe build --schema schema.json --map traits.plan=plan events.ndjson
      ATTIO_API_KEY=... attio-pipe deliver events.ndjson > results.ndjson
      jq -c 'select(.status=="failed" or .status=="not_sent") | .request' results.ndjson \\
        | ATTIO_API_KEY=... attio-pipe send
      attio-pipe build --companies events.ndjson | jq -c 'select(.object=="companies")'
      attio-pipe deliver --users --workspaces --companies events.ndjson > results.ndjson
      attio-pipe deliver --signal last_seen=last_seen_at --signal 'count:Feature Used=uses' \\
        --list-entry 'Trial Started=trials:stage=Trial' --forward-only stage events.ndjson
      kcat -C -b kafka:9092 -t events -u | attio-pipe deliver --rate 12.5
      attio-pipe deliver --state /var/lib/attio-pipe/state --output results.ndjson \\
        --metrics-file /var/lib/node_exporter/attio_pipe.prom events.ndjson

    """
}
