import Foundation
import TestSupport
import Testing

/// `Sources/CCurl/include/CCurl.h` declares libcurl's constants itself (so that building needs
/// no development package). Where libcurl's own headers are installed, a C compiler checks
/// every value against them.
@Suite struct CurlABITests {
  static let header = Repository.path("Sources/CCurl/include/CCurl.h")

  static let systemHeader = [
    "/usr/include/curl/curl.h", "/usr/include/x86_64-linux-gnu/curl/curl.h",
    "/usr/include/aarch64-linux-gnu/curl/curl.h",
  ].first { FileManager.default.fileExists(atPath: $0) }

  /// `NAME = VALUE` enumerators and `#define CURL_… VALUE` lines of our header.
  static func constants() throws -> [(String, String)] {
    let text = try String(contentsOf: header, encoding: .utf8)
    var constants: [(String, String)] = []
    for line in text.split(separator: "\n") {
      let words = line.trimmingCharacters(in: .whitespaces)
        .trimmingCharacters(in: CharacterSet(charactersIn: ",")).split(separator: " ")
      if words.count == 3, words[1] == "=", words[0].hasPrefix("CURL") {
        constants.append((String(words[0]), String(words[2])))
      } else if words.count == 3, words[0] == "#define", words[1].hasPrefix("CURL_") {
        constants.append((String(words[1]), String(words[2])))
      }
    }
    return constants
  }

  @Test func theHeaderDeclaresTheConstantsTheTransportUses() throws {
    let names = Set(try Self.constants().map(\.0))
    for name in ["CURLE_OK", "CURLOPT_URL", "CURLOPT_POSTFIELDS", "CURLINFO_RESPONSE_CODE"] {
      #expect(names.contains(name))
    }
  }

  @Test(.enabled(if: systemHeader != nil, "libcurl's headers are not installed"))
  func everyValueMatchesLibcurlsOwnHeader() async throws {
    var source = "#include <curl/curl.h>\n"
    for (name, value) in try Self.constants() {
      source += "_Static_assert(\(name) == \(value), \"\(name) is not \(value)\");\n"
    }
    let file = FileManager.default.temporaryDirectory
      .appendingPathComponent("ccurl-abi-\(UUID().uuidString).c")
    try Data(source.utf8).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    let compiler = try ChildProcess(
      executable: URL(fileURLWithPath: "/usr/bin/env"),
      arguments: ["cc", "-fsyntax-only", file.path], stdin: false)
    let finished = await compiler.finish()
    #expect(finished.status == 0, "\(finished.stderrText)")
  }
}
