import Testing

@testable import AttioPipeCore

/// Stage one resolves what a line says without any state.
@Suite struct EventScannerTests {
  private func scan(
    _ line: String, events: [String] = EventNameSet.defaultNames
  ) -> (ScannedLine, [UInt8]) {
    var scanner = EventScanner(enabledEvents: EventNameSet(events))
    let bytes = Array(line.utf8)
    return (bytes.withUnsafeBufferPointer { scanner.scan($0) }, bytes)
  }

  private func text(_ value: ScannedValue, _ bytes: [UInt8]) -> String? {
    bytes.withUnsafeBufferPointer { EventProcessor.text(of: value, in: $0) }
  }

  @Test(arguments: [
    (#"{"type":"identify"}"#, ScannedLine.Kind.identify, true),
    (#"{"type":"IDENTIFY"}"#, .identify, true),
    (#"{"type":"track","event":"signed_up"}"#, .track, true),
    (#"{"type":"track","event":"Page Viewed"}"#, .track, false),
    (#"{"event":"Logged In"}"#, .track, true),
    (#"{"type":"page","name":"Signed Up"}"#, .other, false),
    (#"{"type":"alias","previousId":"a","userId":"u"}"#, .alias, false),
    (#"{"type":"group","traits":{"email":"x@y.io"}}"#, .other, false),
    ("   ", .blank, false),
    (#"{"type":"#, .invalid, false),
  ])
  func classifiesEvents(_ line: String, _ kind: ScannedLine.Kind, _ enabled: Bool) {
    let (scanned, _) = scan(line)
    #expect(scanned.kind == kind)
    #expect(scanned.isEnabled == enabled)
  }

  @Test func identifiedCanBeTurnedOff() {
    #expect(!scan(#"{"type":"identify"}"#, events: ["Signed Up"]).0.isEnabled)
  }

  @Test func snakeCaseWinsAndBlankValuesCountAsAbsent() {
    let (scanned, bytes) = scan(
      #"{"type":"identify","anonymousId":"camel","anonymous_id":"snake","userId":"","traits":"#
        + #"{"first_name":"  ","firstName":"Ada","last_name":"Snake","lastName":"Camel","#
        + #""job_title":"","jobTitle":null,"title":"CTO","phone":15558675309,"name":42}}"#)
    #expect(text(scanned.anonymousId, bytes) == "snake")
    #expect(scanned.userId == .absent)
    #expect(text(scanned.traits[.firstName], bytes) == "Ada")
    #expect(text(scanned.traits[.lastName], bytes) == "Snake")
    #expect(scanned.traits[.jobTitle] == .null)
    #expect(text(scanned.traits[.phone], bytes) == "15558675309")
    #expect(scanned.traits[.name] == .absent)
  }

  @Test func identifyTraitsWinOverContextTraitsAndTrackTraitsAreIgnored() {
    let identify = scan(
      #"{"type":"identify","context":{"traits":{"email":"ctx@x.io","name":"Ctx"}},"#
        + #""traits":{"email":"own@x.io"}}"#)
    #expect(text(identify.0.traits[.email], identify.1) == "own@x.io")
    #expect(text(identify.0.traits[.name], identify.1) == "Ctx")
    let track = scan(
      #"{"type":"track","event":"Signed Up","traits":{"email":"no@x.io"},"#
        + #""context":{"traits":{"name":"Ctx"}}}"#)
    #expect(track.0.traits[.email] == .absent)
    #expect(text(track.0.traits[.name], track.1) == "Ctx")
  }

  @Test func leadSourceOnlyOnLeadGenerated() {
    let lead = scan(
      #"{"type":"track","event":"lead_generated","properties":{"lead_source":" ","leadSource":"Ads"}}"#
    )
    #expect(lead.0.isLeadGenerated)
    #expect(text(lead.0.leadSource, lead.1) == "Ads")
    let other = scan(#"{"type":"track","event":"Signed Up","properties":{"lead_source":"Ads"}}"#)
    #expect(other.0.leadSource == .absent)
  }

  @Test func unicodeBlankValuesCountAsAbsent() {
    let (scanned, bytes) = scan(
      #"{"type":"identify","traits":{"first_name":"\u00a0\u2003","firstName":"Ada","name":"\u0020"}}"#
    )
    #expect(text(scanned.traits[.firstName], bytes) == "Ada")
    #expect(scanned.traits[.name] == .absent)
  }
}

@Suite struct DuplicateKeyTests {
  @Test func aLaterPropertiesReplacesTheEarlierLeadSource() {
    var scanner = EventScanner(enabledEvents: EventNameSet(["Lead Generated"]))
    let line = Array(
      #"{"type":"track","event":"Lead Generated","properties":{"lead_source":"Ads"},"properties":5}"#
        .utf8)
    let scanned = line.withUnsafeBufferPointer { scanner.scan($0) }
    #expect(scanned.isLeadGenerated)
    #expect(scanned.leadSource == .absent)
  }
}
