import AttioPipeCore
import AttioPipeDelivery
import Dispatch
import Foundation

/// `attio-pipe check`: a pre-flight of the token and the workspace before anything is sent.
///
/// `GET /v2/self` tells whether the token is active and which scopes it has;
/// `GET /v2/objects/people/attributes` whether every slug the mapping writes (after
/// `--attribute`) exists, is writable and is not archived, and whether the email slug is
/// unique (Attio matches people on it); in merge mode, whether a records query (the find
/// before each write) is permitted. One line per check on stdout. An endpoint that cannot
/// be reached, or answers with an error, is exit status 1.
struct CheckCommand {
  let options: EventOptions
  let settings: DeliverySettings

  static let requiredScopes = ["record_permission:read-write", "object_configuration:read"]

  func run() throws(PipelineError) -> RunReport {
    var report = RunReport()
    var lines: [String] = []
    func say(_ passed: Bool, _ text: String) {
      lines.append((passed ? "ok    " : "FAIL  ") + text)
    }
    let queue = DispatchQueue(label: "attio-pipe.check")
    let transport = CurlTransport(
      endpoint: settings.endpoint, token: settings.token, timeout: settings.scheduler.timeout,
      userAgent: "attio-pipe/\(Invocation.version)", callbackQueue: queue)
    defer { transport.shutdown() }

    // Printed without any user:password the URL may hold.
    let endpoint = settings.endpoint.redactedDescription
    let me = fetch(transport, "/v2/self")
    guard let identity = me.json, me.status == 200 else {
      say(false, "GET \(endpoint)/v2/self: \(describe(me))")
      report.failed = 1
      return finish(lines, report)
    }
    guard identity["active"] as? Bool == true else {
      say(false, "token: not active (revoked, expired or mistyped)")
      report.authenticationFailed = true
      return finish(lines, report)
    }
    let workspace =
      identity["workspace_name"] as? String ?? identity["workspace_slug"] as? String ?? "?"
    say(true, "token: active, workspace \"\(workspace)\"")
    let scopes = Set(((identity["scope"] as? String) ?? "").split(separator: " ").map(String.init))
    for scope in CheckCommand.requiredScopes {
      let present = scopes.contains(scope)
      say(present, "scope \(scope): \(present ? "granted" : "missing")")
      if !present { report.authenticationFailed = true }
    }
    guard !report.authenticationFailed else { return finish(lines, report) }

    let listed = fetch(transport, "/v2/objects/people/attributes")
    guard listed.status == 200, let data = listed.json?["data"] as? [[String: Any]] else {
      say(false, "GET \(endpoint)/v2/objects/people/attributes: \(describe(listed))")
      if listed.status == 401 || listed.status == 403 {
        report.authenticationFailed = true
      } else {
        report.failed = 1
      }
      return finish(lines, report)
    }
    let bySlug = Dictionary(
      data.compactMap { entry in (entry["api_slug"] as? String).map { ($0, entry) } },
      uniquingKeysWith: { first, _ in first })
    for attribute in PersonAttribute.allCases {
      let slug = options.slugs[attribute]
      let label = slug == attribute.rawValue ? slug : "\(slug) (for \(attribute.rawValue))"
      guard let entry = bySlug[slug] else {
        say(
          false,
          "attribute \(label): not found in the workspace; upserts would fail with 400 "
            + "(rename it back, or map it with --attribute \(attribute.rawValue)=SLUG)")
        report.configurationFailed = true
        continue
      }
      if entry["is_archived"] as? Bool == true {
        say(false, "attribute \(label): archived; upserts would fail with 400")
        report.configurationFailed = true
      } else if entry["is_writable"] as? Bool == false {
        say(false, "attribute \(label): not writable")
        report.configurationFailed = true
      } else if attribute == .emailAddresses && entry["is_unique"] as? Bool != true {
        say(
          false,
          "attribute \(label): not unique; Attio can only match people on a unique attribute")
        report.configurationFailed = true
      } else {
        say(true, "attribute \(label): exists and is writable")
      }
    }
    checkSchema(say, &report)
    checkAccountObjects(say, &report)
    checkListEntries(say, &report)
    if settings.scheduler.writeMode == .merge {
      // Merge mode finds every person before writing: the key must be allowed to read them.
      let slug = options.slugs[.emailAddresses]
      var body: [UInt8] = []
      body.append("{\"filter\":{")
      body.appendJSONString(slug)
      body.append(":\"attio-pipe-check@example.invalid\"},\"limit\":1}")
      let query = fetch(
        transport, AttioEndpoint.queryPeoplePath, method: "POST", body: body)
      if query.status == 200, query.json?["data"] is [Any] {
        say(true, "records query (merge mode's find): permitted")
      } else {
        say(
          false,
          "POST \(endpoint)\(AttioEndpoint.queryPeoplePath) (merge mode's find): "
            + "\(describe(query)); use --write-mode assert, or give the key read access")
        if query.status == 401 || query.status == 403 {
          report.authenticationFailed = true
        } else {
          report.failed = 1
        }
      }
    }
    return finish(lines, report)
  }

  /// `--users`, `--workspaces`: the objects are switched off in a new workspace.
  private func checkAccountObjects(_ say: (Bool, String) -> Void, _ report: inout RunReport) {
    let objects = AccountObjects.enabled(by: options.accounts)
    guard !objects.isEmpty else { return }
    let reader = SchemaReader(settings: settings, userAgent: "attio-pipe/\(Invocation.version)")
    for object in objects {
      do {
        switch try reader.state(of: object) {
        case .active: say(true, "object \(object.rawValue): active")
        case .notActivated:
          say(false, "object \(object.rawValue): " + SchemaReader.notActivatedMessage(object))
          report.configurationFailed = true
        }
      } catch {
        say(false, "object \(object.rawValue): \(error.message)")
        if error.isAuthentication { report.authenticationFailed = true } else { report.failed = 1 }
      }
    }
  }

  private func finish(_ lines: [String], _ report: RunReport) -> RunReport {
    let output = OutputBuffer(fileDescriptor: 1)
    for line in lines { output.append(line + "\n") }
    let allWell = !report.authenticationFailed && !report.configurationFailed && report.failed == 0
    output.append(allWell ? "all checks passed\n" : "some checks failed\n")
    try? output.flush()
    return report
  }

  private struct Answer {
    var status: Int?
    var json: [String: Any]?
    var response: AttioResponse
  }

  /// One GET, waited for: a pre-flight has nothing else to do meanwhile.
  private func fetch(
    _ transport: any DeliveryTransport, _ path: String, method: String = "GET",
    body: [UInt8]? = nil
  ) -> Answer {
    let answer = AnswerSlot()
    transport.send(TransportRequest(method: method, path: path, body: body)) { response in
      answer.set(response)
    }
    let response = answer.wait()
    let json = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
    return Answer(status: response.status, json: json, response: response)
  }

  private func describe(_ answer: Answer) -> String {
    guard let status = answer.status else {
      return answer.response.transportError ?? "no response"
    }
    let message = answer.response.error.map { ": \($0.code): \($0.message)" } ?? ""
    return "HTTP \(status)\(message)"
  }
}
