import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Finding the `--map` sources' raw values in a line.
@Suite struct MappedValueExtractorTests {
  private func extract(_ sources: [String], _ line: String, identify: Bool = true) -> [String?] {
    let extractor = MappedValueExtractor(sources: sources.map { MappedSource($0)! })
    var line = line
    let values = line.withUTF8 { extractor.extract(from: $0.span, isIdentify: identify) }
    return values.raw.map { $0.map { String(decoding: $0, as: UTF8.self) } }
  }

  @Test func rawTextOfEveryKindOfValue() {
    let line = """
      {"traits":{"plan":"Pro","seats":42,"ok":true,"tags":["a", "b"],"gone":null,"o":{"k":1}}}
      """
    #expect(
      extract(
        [
          "traits.plan", "traits.seats", "traits.ok", "traits.tags", "traits.gone", "traits.o",
          "traits.none",
        ], line)
        == ["\"Pro\"", "42", "true", "[\"a\", \"b\"]", "null", "{\"k\":1}", nil])
  }

  @Test func identifyTraitsWinOverContextTraits() {
    let line = """
      {"context":{"traits":{"plan":"Free","seats":3}},"traits":{"plan":"Pro"}}
      """
    #expect(extract(["traits.plan", "traits.seats"], line) == ["\"Pro\"", "3"])
    // A track's top-level traits are not the person's: only context.traits count.
    #expect(extract(["traits.plan"], line, identify: false) == ["\"Free\""])
  }

  @Test func propertiesAndContextPaths() {
    let line = """
      {"properties":{"plan":"Pro","a":{"b":{"c":"deep"}}},"context":{"campaign":{"source":"ads","name":"x"},"ip":"1.2.3.4"}}
      """
    #expect(
      extract(
        [
          "properties.plan", "properties.a.b.c", "context.campaign.source", "context.ip",
          "context.campaign.missing", "context.ip.x",
        ], line)
        == ["\"Pro\"", "\"deep\"", "\"ads\"", "\"1.2.3.4\"", nil, nil])
  }

  @Test func theLastDuplicateWinsAndEscapedKeysMatch() {
    let line = """
      {"properties":{"plan":"Free","plan":"Pro","s\\u0065ats":"9 \\"big\\"","x":"}{]["}}
      """
    #expect(
      extract(["properties.plan", "properties.seats", "properties.x"], line)
        == ["\"Pro\"", "\"9 \\\"big\\\"\"", "\"}{][\""])
  }

  @Test func keysAreMatchedExactly() {
    #expect(extract(["traits.plan"], #"{"traits":{"Plan":"Pro"}}"#) == [nil])
  }
}
