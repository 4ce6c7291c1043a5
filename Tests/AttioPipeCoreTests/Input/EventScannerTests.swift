import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Stage one resolves what a line says without any state.
@Suite struct EventScannerTests {
  @Test(arguments: [
    (#"{"type":"identify"}"#, ScannedLine.Kind.identify, true),
    (#"{"type":"IDENTIFY"}"#, .identify, true),
    (#"{"type":"track","event":"signed_up"}"#, .track, true),
    (#"{"type":"track","event":"Page Viewed"}"#, .track, false),
    (#"{"event":"Logged In"}"#, .track, true),
    (#"{"type":"page","name":"Signed Up"}"#, .other, false),
    (#"{"type":"alias","previousId":"a","userId":"u"}"#, .alias, false),
    (#"{"type":"group","traits":{"email":"x@y.io"}}"#, .group, false),
    ("   ", .blank, false),
    (#"{"type":"#, .invalid, false),
  ])
  func classifiesEvents(_ line: String, _ kind: ScannedLine.Kind, _ enabled: Bool) {
    let (scanned, _) = scanLine(line)
    #expect(scanned.kind == kind)
    #expect(scanned.isEnabled == enabled)
  }

  @Test func identifiedCanBeTurnedOff() {
    #expect(!scanLine(#"{"type":"identify"}"#, events: ["Signed Up"]).0.isEnabled)
  }

  @Test func snakeCaseWinsAndBlankValuesCountAsAbsent() {
    let (scanned, bytes) = scanLine(
      #"{"type":"identify","anonymousId":"camel","anonymous_id":"snake","userId":"","traits":"#
        + #"{"first_name":"  ","firstName":"Ada","last_name":"Snake","lastName":"Camel","#
        + #""job_title":"","jobTitle":null,"title":"CTO","phone":15558675309,"name":42}}"#)
    #expect(scannedText(scanned.anonymousId, bytes) == "snake")
    #expect(scanned.userId == .absent)
    #expect(scannedText(scanned.traits[.firstName], bytes) == "Ada")
    #expect(scannedText(scanned.traits[.lastName], bytes) == "Snake")
    #expect(scanned.traits[.jobTitle] == .null)
    #expect(scannedText(scanned.traits[.phone], bytes) == "15558675309")
    #expect(scanned.traits[.name] == .absent)
  }

  @Test func identifyTraitsWinOverContextTraitsAndTrackTraitsAreIgnored() {
    let identify = scanLine(
      #"{"type":"identify","context":{"traits":{"email":"ctx@x.io","name":"Ctx"}},"#
        + #""traits":{"email":"own@x.io"}}"#)
    #expect(scannedText(identify.0.traits[.email], identify.1) == "own@x.io")
    #expect(scannedText(identify.0.traits[.name], identify.1) == "Ctx")
    let track = scanLine(
      #"{"type":"track","event":"Signed Up","traits":{"email":"no@x.io"},"#
        + #""context":{"traits":{"name":"Ctx"}}}"#)
    #expect(track.0.traits[.email] == .absent)
    #expect(scannedText(track.0.traits[.name], track.1) == "Ctx")
  }

  @Test func leadSourceOnlyOnLeadGenerated() {
    let lead = scanLine(
      #"{"type":"track","event":"lead_generated","properties":{"lead_source":" ","leadSource":"Ads"}}"#
    )
    #expect(lead.0.isLeadGenerated)
    #expect(scannedText(lead.0.leadSource, lead.1) == "Ads")
    let other = scanLine(
      #"{"type":"track","event":"Signed Up","properties":{"lead_source":"Ads"}}"#)
    #expect(other.0.leadSource == .absent)
  }

  @Test func unicodeBlankValuesCountAsAbsent() {
    let (scanned, bytes) = scanLine(
      #"{"type":"identify","traits":{"first_name":"\u00a0\u2003","firstName":"Ada","name":"\u0020"}}"#
    )
    #expect(scannedText(scanned.traits[.firstName], bytes) == "Ada")
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
