import Foundation
import TestSupport
import Testing

/// The folders of `Sources/AttioPipeCore` are layers that point one way (README.md,
/// "Development"): a file may use the types of its own folder and of the folders below it,
/// never of a folder above it or beside it.
///
/// The check is textual: a type belongs to the folder whose file declares it, and a file uses
/// a type when the type's name appears in its code (comments and string literals removed).
/// That is crude, but it fails on exactly the mistake it guards against: reaching upwards for
/// a type instead of passing a value or a closure down.
@Suite struct LayerTests {
  /// From the bottom up. Folders on one line would be siblings: neither may use the other.
  /// Output sits above Delivery: it renders delivery's results and counters, while delivery
  /// hands its results to a closure and knows nothing of how they are written.
  static let layers: [[String]] = [
    ["Support"],
    ["State"],
    ["Input"],
    ["Identity"],
    ["Mapping"],
    ["Delivery"],
    ["Spool"],
    ["Output"],
    ["Pipeline"],
    ["Commands"],
    ["CLI"],
  ]

  static let sources = Repository.path("Sources/AttioPipeCore")

  static func level(of folder: String) -> Int? {
    layers.firstIndex { $0.contains(folder) }
  }

  @Test func everyFolderHasALayer() throws {
    let folders = try FileManager.default.contentsOfDirectory(atPath: Self.sources.path)
      .filter { !$0.hasPrefix(".") }
    for folder in folders {
      #expect(Self.level(of: folder) != nil, "Sources/AttioPipeCore/\(folder) is in no layer")
    }
  }

  @Test func noFileUsesATypeOfAHigherOrSiblingLayer() throws {
    let files = try SourceFile.all(under: Self.sources)
    var owners: [String: Set<String>] = [:]  // type name -> folders declaring one
    for file in files {
      for name in file.declaredTypes { owners[name, default: []].insert(file.folder) }
    }
    var violations: [String] = []
    for file in files {
      guard let level = Self.level(of: file.folder) else { continue }
      for name in file.usedIdentifiers {
        guard let folders = owners[name] else { continue }
        // A nested name declared here or below too (`Entry`, `Options`) is taken as the
        // nearer one.
        let allowed = folders.contains { (Self.level(of: $0) ?? .max) < level || $0 == file.folder }
        guard !allowed else { continue }
        let above = folders.sorted().joined(separator: ", ")
        violations.append("\(file.folder)/\(file.name) uses \(name) of \(above)")
      }
    }
    let report = violations.sorted().joined(separator: "\n")
    #expect(violations.isEmpty, "\(violations.count) upward uses:\n\(report)")
  }
}

/// One Swift file of the library, with comments and string literals removed.
private struct SourceFile {
  var folder: String
  var name: String
  var code: String

  static func all(under root: URL) throws -> [SourceFile] {
    var files: [SourceFile] = []
    let enumerator = FileManager.default.enumerator(atPath: root.path)
    while let relative = enumerator?.nextObject() as? String {
      guard relative.hasSuffix(".swift") else { continue }
      let parts = relative.split(separator: "/")
      guard parts.count >= 2 else { continue }
      let text = try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
      files.append(
        SourceFile(folder: String(parts[0]), name: String(parts.last!), code: stripped(text)))
    }
    return files
  }

  /// Type names declared at any depth (`struct X`, `enum X`, `typealias X`, ...), and the
  /// generic parameters of its declarations (`struct PerTrait<Value>`), which are local.
  var declaredTypes: Set<String> {
    var names: Set<String> = []
    let words = code.split { !($0.isLetter || $0.isNumber || $0 == "_") }
    for (index, word) in words.enumerated().dropLast()
    where ["struct", "class", "enum", "protocol", "actor", "typealias"].contains(word) {
      names.insert(String(words[index + 1]))
    }
    // Generic parameters of declarations only: `struct PerTrait<Value>`, `func f<T: P>`.
    let declaration = try! NSRegularExpression(
      pattern: #"\b(?:struct|class|enum|actor|func|typealias)\s+\w+\s*<([^>]*)>"#)
    let range = NSRange(code.startIndex..., in: code)
    for match in declaration.matches(in: code, range: range) {
      guard let parameters = Range(match.range(at: 1), in: code) else { continue }
      for parameter in code[parameters].split(separator: ",") {
        let name = parameter.split(separator: ":").first?.trimmingCharacters(in: .whitespaces)
        if let name, name.first?.isUppercase == true { names.insert(name) }
      }
    }
    return names
  }

  /// Capitalised identifiers the code mentions.
  var usedIdentifiers: Set<String> {
    Set(
      code.split { !($0.isLetter || $0.isNumber || $0 == "_") }
        .filter { $0.first?.isUppercase == true }.map(String.init))
  }

  /// The code without `//` and `/* */` comments and without the text of string literals
  /// (interpolations included: good enough for a check of type names).
  private static func stripped(_ text: String) -> String {
    var output = ""
    var characters = Array(text)
    characters.append("\n")
    var index = 0
    while index < characters.count - 1 {
      let character = characters[index]
      let next = characters[index + 1]
      if character == "/" && next == "/" {
        while index < characters.count && characters[index] != "\n" { index += 1 }
        continue
      }
      if character == "/" && next == "*" {
        index += 2
        while index < characters.count - 1
          && !(characters[index] == "*" && characters[index + 1] == "/")
        {
          index += 1
        }
        index += 2
        continue
      }
      if character == "\"" {
        index += 1
        while index < characters.count && characters[index] != "\"" && characters[index] != "\n" {
          if characters[index] == "\\" { index += 1 }
          index += 1
        }
        index += 1
        output.append("\"\"")
        continue
      }
      output.append(character)
      index += 1
    }
    return output
  }
}
