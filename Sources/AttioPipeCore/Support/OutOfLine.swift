/// A value kept behind one reference, so that a rarely present part of a value copied on every
/// event costs one word in it, not its whole size.
///
/// Why: `PersonValues` and `CompanyValues` travel by value through `EventOutcome` on the hot
/// path. Holding the `--users`/`--workspaces` parts inline made each of them over a hundred
/// bytes, which the compiler copies with `memcpy` several times per event (+5% instructions on
/// a `build` of ordinary events that never have those parts). Immutable: a change stores a new
/// box, which is rare (one per event that writes a user or a workspace).
package final class OutOfLine<Value: Equatable & Sendable>: Equatable, Sendable {
  package let value: Value

  package init(_ value: Value) {
    self.value = value
  }

  package static func == (lhs: OutOfLine, rhs: OutOfLine) -> Bool {
    lhs === rhs || lhs.value == rhs.value
  }
}
