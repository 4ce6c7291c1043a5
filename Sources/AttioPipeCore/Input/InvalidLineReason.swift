/// Why an input line was rejected. The raw values are the `reason` codes of diagnostics,
/// so they are part of the tool's output contract.
@usableFromInline
package enum InvalidLineReason: String, Sendable, CaseIterable {
  /// The line is not well-formed JSON (RFC 8259).
  case invalidJSON = "invalid_json"
  /// Well-formed JSON, but not an object (`[1]`, `"x"`, `42`).
  case notObject = "not_object"
  /// A byte sequence that is not UTF-8 (overlong forms, encoded surrogates, stray bytes).
  case invalidUTF8 = "invalid_utf8"
  /// Objects and arrays nested deeper than ``JSONScanner/maximumDepth``.
  case tooDeep = "too_deep"
  /// Longer than `--max-line-bytes`.
  case lineTooLong = "line_too_long"
  /// `send`: a JSON object that is not an assert-person body with a valid email.
  case invalidBody = "invalid_body"
}

/// A rejected line, with the byte offset (0-based, within the line) where scanning stopped.
package struct JSONScanError: Error, Sendable, Equatable {
  package var reason: InvalidLineReason
  package var offset: Int
  /// A short human explanation ("expected ':' after key").
  package var detail: StaticString

  package init(_ reason: InvalidLineReason, at offset: Int, _ detail: StaticString) {
    self.reason = reason
    self.offset = offset
    self.detail = detail
  }

  package static func == (lhs: JSONScanError, rhs: JSONScanError) -> Bool {
    lhs.reason == rhs.reason && lhs.offset == rhs.offset
  }
}

extension InvalidLineReason: CountedReason {
  @inlinable
  package var ordinal: Int {
    switch self {
    case .invalidJSON: 0
    case .notObject: 1
    case .invalidUTF8: 2
    case .tooDeep: 3
    case .lineTooLong: 4
    case .invalidBody: 5
    }
  }
}
