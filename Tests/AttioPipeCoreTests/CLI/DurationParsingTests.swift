import Testing

@testable import AttioPipeCommands

@Suite struct DurationParsingTests {
  @Test(arguments: [
    ("250ms", 0.25), ("30s", 30), ("5m", 300), ("1h", 3600), ("90d", 7_776_000), ("1.5", 1.5),
    ("2.5s", 2.5), ("0", 0), ("2m30s", 150), ("1h30m", 5400), ("1d12h", 129_600),
    ("1m500ms", 60.5), ("1.5m", 90),
  ])
  func parses(_ text: String, _ seconds: Double) {
    #expect(Duration.parsing(text)?.seconds == seconds, "\(text)")
  }

  @Test(arguments: [
    "", "-1", "-1s", "s", "5x", "1s1s", "5 s", "1e400", "inf", "nan", "m30s", "30s5", "1.2.3s",
  ])
  func refuses(_ text: String) {
    #expect(Duration.parsing(text) == nil, "\(text)")
  }
}
