import Foundation
import TestSupport
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// Differential check: on a generated hostile corpus (`Tests/Fuzz/hostile_corpus.py`), the
/// scanner agrees with Python's `json` module, line by line, on which lines are valid JSON
/// objects and on the fields it extracts. The deliberate differences (lone surrogates become
/// U+FFFD, no NaN/Infinity, at most 256 levels, ...) are already folded into the expected
/// file by the generator; see `Tests/Fuzz/README.md`.
///
/// A fixed seed always runs; `ATTIO_PIPE_FUZZ_SEED=N swift test --filter Differential` adds
/// seed N (to reproduce a CI failure, or to explore).
@Suite struct DifferentialScannerTests {
  static let fixedSeed = 20_240_611
  static let lineCount = 12_000

  static var seeds: [Int] { HostileCorpus.seeds(fixed: fixedSeed) }

  @Test(arguments: seeds)
  func scannerAgreesWithPythonJSON(seed: Int) async throws {
    let corpus = try await HostileCorpus.generate(seed: seed, count: Self.lineCount)
    var mismatches: [String] = []
    var valid = 0
    for (index, line) in corpus.lines.enumerated() {
      let expected = corpus.expected[index]
      let pythonValid = expected["valid"] as? Bool ?? false
      let pythonReason = expected["why"] as? String
      let outcome = line.withUnsafeBufferPointer { Scan(of: $0) }
      if pythonValid { valid += 1 }
      func mismatch(_ what: String) {
        mismatches.append("line \(index + 1): \(what)\n  line: \(escaped(line))")
      }

      switch (outcome.error, pythonValid) {
      case (let error?, true):
        mismatch(
          "scanner rejects (\(error.reason.rawValue): \(error.detail) at byte \(error.offset)), Python accepts"
        )
      case (nil, false):
        mismatch("scanner accepts, Python rejects (\(pythonReason ?? "?"))")
      case (let error?, false):
        // Both reject. Where the reasons can be compared soundly, they must agree: the scanner
        // says not_object only for a well-formed non-object, invalid_utf8 only for bytes that
        // no UTF-8 decoder accepts.
        if error.reason == .notObject && pythonReason != "not_object" {
          mismatch("scanner says not_object, Python says \(pythonReason ?? "?")")
        }
        if pythonReason == "not_object" && error.reason != .notObject && error.reason != .tooDeep {
          mismatch("Python says not_object, scanner says \(error.reason.rawValue)")
        }
        if error.reason == .invalidUTF8 && pythonReason != "invalid_utf8" {
          mismatch("scanner says invalid_utf8, Python says \(pythonReason ?? "?")")
        }
      case (nil, true):
        let pythonFields = Extracted.fields(fromExpected: expected)
        for name in Extracted.fieldNames {
          let scanned = outcome.fields[name]
          let python = pythonFields[name]
          guard scanned != python else { continue }
          mismatch(
            "\(name): scanner \(scanned.map(String.init(describing:)) ?? "absent"), "
              + "Python \(python.map(String.init(describing:)) ?? "absent")")
        }
      }
    }

    let invalid = corpus.lines.count - valid
    print(
      "Differential seed \(seed): \(corpus.lines.count) lines, \(valid) valid, \(invalid) "
        + "invalid, \(mismatches.count) mismatches")
    #expect(corpus.lines.count >= 10_000)
    #expect(corpus.lines.count == corpus.expected.count)
    // A corpus that is nearly all valid or all invalid would test little.
    #expect(valid >= corpus.lines.count * 3 / 10, "valid: \(valid)")
    #expect(invalid >= corpus.lines.count * 3 / 10, "invalid: \(invalid)")
    let report = mismatches.prefix(20).joined(separator: "\n")
    #expect(
      mismatches.isEmpty,
      "\(mismatches.count) disagreements with Python (seed \(seed)), the first ones:\n\(report)")
  }

  /// Found by this corpus and fixed: a later duplicate of `traits`, `context` or `properties`
  /// replaces an earlier one whatever its type, as the last duplicate wins.
  @Test(arguments: [
    #"{"traits":{"email":"a@example.com"},"traits":5}"#,
    #"{"traits":{"email":"a@example.com"},"traits":null}"#,
  ])
  func aLaterDuplicateTraitsClearsTheEarlierOne(_ text: String) {
    let line = Array(text.utf8)
    let outcome = line.withUnsafeBufferPointer { Scan(of: $0) }
    #expect(outcome.fields["traits_email"] == nil)
  }

  @Test(arguments: [
    #"{"context":{"traits":{"email":"b@example.com"}},"context":"x"}"#,
    #"{"context":{"traits":{"email":"b@example.com"}},"context":{}}"#,
    #"{"context":{"traits":{"email":"b@example.com"},"traits":null}}"#,
  ])
  func aLaterDuplicateContextClearsTheEarlierTraits(_ text: String) {
    let line = Array(text.utf8)
    let outcome = line.withUnsafeBufferPointer { Scan(of: $0) }
    #expect(outcome.fields["context_traits_email"] == nil)
  }
}

// MARK: - The generated corpus

// MARK: - Scanning and comparing

/// A field's value as both sides report it. Strings compare by their UTF-8 bytes (Swift's `==`
/// on `String` would equate canonically equivalent spellings such as "é" and "e\u{301}").
private enum Extracted: Equatable, CustomStringConvertible {
  case null
  case string([UInt8])
  case number([UInt8])

  /// The expected.ndjson keys, which are also the names used in reports.
  static let fieldNames = [
    "type", "event", "anonymousId", "anonymous_id", "userId", "user_id", "previousId",
    "previous_id", "messageId", "message_id", "traits_email", "context_traits_email",
  ]

  init?(_ value: ScannedValue, in line: UnsafeBufferPointer<UInt8>) {
    switch value {
    case .absent, .wrongType:
      return nil
    case .null:
      self = .null
    case .string(let start, let end, _):
      let decoded = JSONStringDecoder.decode(
        UnsafeBufferPointer(rebasing: line[Int(start)..<Int(end)]).span)
      self = .string(Array(decoded.utf8))
    case .number(let start, let end):
      self = .number(Array(line[Int(start)..<Int(end)]))
    }
  }

  init?(expectedValue value: Any, isNumber: Bool = false) {
    if value is NSNull {
      self = .null
    } else if let text = value as? String {
      self = isNumber ? .number(Array(text.utf8)) : .string(Array(text.utf8))
    } else {
      return nil
    }
  }

  static func fields(fromExpected entry: [String: Any]) -> [String: Extracted] {
    let numbers = Set(entry["number_fields"] as? [String] ?? [])
    var fields: [String: Extracted] = [:]
    for name in fieldNames {
      guard let value = entry[name] else { continue }
      fields[name] = Extracted(expectedValue: value, isNumber: numbers.contains(name))
    }
    return fields
  }

  var description: String {
    switch self {
    case .null: "null"
    case .string(let bytes): "string \(escaped(bytes))"
    case .number(let bytes): "number \(escaped(bytes))"
    }
  }
}

/// The scanner's verdict on one line.
private struct Scan {
  var error: JSONScanError?
  var fields: [String: Extracted] = [:]

  init(of line: UnsafeBufferPointer<UInt8>) {
    var event = ScannedEvent()
    var scanner = JSONScanner(line)
    do throws(JSONScanError) {
      try scanner.scanEvent(into: &event)
    } catch {
      self.error = error
      return
    }
    let values: [(String, ScannedValue)] = [
      ("type", event.type), ("event", event.event),
      ("anonymousId", event.anonymousId), ("anonymous_id", event.anonymousIdSnake),
      ("userId", event.userId), ("user_id", event.userIdSnake),
      ("previousId", event.previousId), ("previous_id", event.previousIdSnake),
      ("messageId", event.messageId), ("message_id", event.messageIdSnake),
      ("traits_email", event.traits[.email]),
      ("context_traits_email", event.contextTraits[.email]),
    ]
    for (name, value) in values {
      fields[name] = Extracted(value, in: line)
    }
  }
}

/// Printable ASCII as is, everything else as `\xHH`; long lines are cut.
private func escaped(_ bytes: [UInt8], limit: Int = 300) -> String {
  var text = "\""
  for byte in bytes.prefix(limit) {
    switch byte {
    case UInt8(ascii: "\\"): text += "\\\\"
    case UInt8(ascii: "\""): text += "\\\""
    case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(byte))
    default: text += "\\x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
    }
  }
  text += "\""
  if bytes.count > limit { text += "… (\(bytes.count) bytes)" }
  return text
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
