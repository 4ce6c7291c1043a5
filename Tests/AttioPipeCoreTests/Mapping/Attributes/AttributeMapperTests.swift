import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// `--map` applied to events: values into the person, warnings for what cannot be converted,
/// and options read again when a value names an unknown one.
@Suite struct AttributeMapperTests {
  private func mapper(options: [String]) -> AttributeMapper {
    var plan = AttributeSchema.Attribute(slug: "plan", type: "select")
    plan.options = options
    let seats = AttributeSchema.Attribute(slug: "seats", type: "number")
    return AttributeMapper(
      mappings: [
        AttributeMapping(source: MappedSource("traits.plan")!, slug: "plan"),
        AttributeMapping(source: MappedSource("properties.seats")!, slug: "seats"),
      ], attributes: [plan, seats], converter: AttributeValueConverter())
  }

  private func apply(_ mapper: inout AttributeMapper, _ line: String, identify: Bool = true)
    -> (PersonValues, [EventWarning])
  {
    var person = PersonValues(email: "ada@example.com")
    var warnings: [EventWarning] = []
    var line = line
    line.withUTF8 {
      mapper.apply(line: $0.span, isIdentify: identify, to: &person, warnings: &warnings)
    }
    return (person, warnings)
  }

  @Test func convertedValuesJoinThePersonAndBadOnesAreWarnedAbout() {
    var mapper = mapper(options: ["Free", "Pro"])
    let (person, warnings) = apply(
      &mapper, #"{"traits":{"plan":"pro"},"properties":{"seats":"lots"}}"#)
    #expect(
      person.mapped == [MappedAttribute(slug: "plan", value: Array(#"[{"option":"Pro"}]"#.utf8))])
    #expect(warnings.count == 1)
    #expect(warnings.first?.reason == .invalidValue)
    #expect(
      warnings.first?.details.map { "\($0.key)=\($0.value)" } == [
        "source=properties.seats", "slug=seats", "value=\"lots\"",
        "detail=\"lots\" is not a number",
      ])
  }

  @Test func anUnknownOptionIsLookedUpAgainAtMostOncePerIntervalPerAttribute() {
    var mapper = mapper(options: ["Free"])
    let reads = Counter()
    let now = Clock()
    mapper.clock = { now.value }
    mapper.refreshOptions = { _ in
      reads.increment()
      return ["Free", "Scale"]
    }
    var (person, warnings) = apply(&mapper, #"{"traits":{"plan":"scale"}}"#)
    #expect(reads.value == 1)
    #expect(warnings.isEmpty)
    #expect(person.mapped.first?.value == Array(#"[{"option":"Scale"}]"#.utf8))
    // Within the interval the attribute's options are not read again.
    (person, warnings) = apply(&mapper, #"{"traits":{"plan":"Gold"}}"#)
    #expect(reads.value == 1)
    #expect(warnings.count == 1)
    #expect(person.mapped.isEmpty)
    now.value += 11
    _ = apply(&mapper, #"{"traits":{"plan":"Gold"}}"#)
    #expect(reads.value == 2)
  }

  @Test func optionsDeliveryReadAgainReachTheMapping() {
    var mapper = mapper(options: ["Free", "Pro"])
    let live = LiveOptions()
    mapper.liveOptions = live
    #expect(apply(&mapper, #"{"traits":{"plan":"Pro"}}"#).1.isEmpty)
    live.set(["Free"], for: "plan")  // Pro was archived: delivery found out
    let (person, warnings) = apply(&mapper, #"{"traits":{"plan":"Pro"}}"#)
    #expect(person.mapped.isEmpty)
    #expect(warnings.first?.details.last?.value == "unknown option \"Pro\"")
  }
}

private final class Counter: @unchecked Sendable {
  var value = 0
  func increment() { value += 1 }
}

private final class Clock: @unchecked Sendable {
  var value = 100.0
}
