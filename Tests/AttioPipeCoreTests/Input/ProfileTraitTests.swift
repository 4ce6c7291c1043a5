import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

@Suite struct ProfileTraitTests {
  /// `allCases` is written out by hand (so that it inlines): it must list every case once, in
  /// declaration order, which is raw-value order.
  @Test func allCasesListsEveryCaseInOrder() {
    let rawValues = ProfileTrait.allCases.map(\.rawValue)
    #expect(rawValues == Array(0..<rawValues.count))
    #expect(ProfileTrait(rawValue: rawValues.count) == nil)
  }
}
