import Foundation
import TestSupport
import Testing

/// The library's layers point one way (README.md, "Development"): a file may use what its own
/// folder and the folders below it declare, never what a folder above it declares.
///
/// The three library targets are layers the compiler enforces: a target cannot import one
/// above it. This test checks what targets cannot express: the order of the folders inside
/// a target, and that the core has no networking.
///
/// The check is textual. A name belongs to the folder whose file declares it: a type, a free
/// function or global, or a member of an extension (`extension String { var x }` extends a
/// type from anywhere, so its members are what a lower layer could reach for unseen). A file
/// uses a name when the name appears in its code (comments and string literals removed). A
/// name that the file's own folder or one below also declares, in any role (`Entry`, a
/// property `count`), is taken as that nearer one. Crude, but it fails on exactly the
/// mistake it guards against: reaching upwards instead of passing a value or a closure down.
@Suite struct LayerTests {
  /// Each library target with its folders, from the bottom up; the targets too are in order.
  /// Output sits above Delivery: it renders delivery's results and counters, while delivery
  /// hands its results to a closure and knows nothing of how they are written.
  static let targets: [(name: String, folders: [String])] = [
    ("AttioPipeCore", ["Support", "State", "Input", "Identity", "Mapping", "Signals"]),
    ("AttioPipeDelivery", ["Delivery", "Spool"]),
    ("AttioPipeCommands", ["Output", "Pipeline", "Commands", "CLI"]),
  ]

  /// Every folder of every target, from the bottom up.
  static let layers: [String] = targets.flatMap(\.folders)

  private static func files() throws -> [SourceFile] {
    try targets.flatMap { try SourceFile.all(under: Repository.path("Sources/\($0.name)")) }
  }

  @Test func everyFolderHasALayer() throws {
    let targets = try FileManager.default.contentsOfDirectory(
      atPath: Repository.path("Sources").path)
    #expect(Set(targets) == Set(Self.targets.map(\.name) + ["CCurl", "attio-pipe"]))
    for target in Self.targets {
      let root = Repository.path("Sources/\(target.name)").path
      let folders = try FileManager.default.contentsOfDirectory(atPath: root)
        .filter { !$0.hasPrefix(".") }
      #expect(Set(folders) == Set(target.folders), "Sources/\(target.name): \(folders.sorted())")
    }
  }

  @Test func noFileUsesWhatAHigherLayerDeclares() throws {
    let violations = LayerCheck(layers: Self.layers).violations(in: try Self.files())
    let report = violations.joined(separator: "\n")
    #expect(violations.isEmpty, "\(violations.count) upward uses:\n\(report)")
  }

  /// The core reads events and makes values; requests are Delivery's. Package.swift gives the
  /// core no CCurl, but FoundationNetworking comes with every toolchain.
  @Test func theCoreHasNoNetworking() throws {
    let files = try SourceFile.all(under: Repository.path("Sources/AttioPipeCore"))
    #expect(!files.isEmpty)
    for file in files {
      for module in ["FoundationNetworking", "CCurl"] {
        #expect(!file.imports(module), "\(file.folder)/\(file.name) imports \(module)")
      }
    }
  }

  /// The check itself, on planted violations: without this, a checker that finds nothing
  /// would pass `noFileUsesWhatAHigherLayerDeclares` forever.
  @Test func theCheckFindsEveryKindOfUpwardUse() {
    let high = SourceFile(
      folder: "High", name: "High.swift",
      text: """
        struct HighType { var shared = 0 }
        func highFunction() -> Int { 1 }
        let highGlobal = 2
        extension String {
          var highProperty: String { self }
          static func highStatic() -> String { "" }
          @inline(__always) mutating func highInlined(_ count: Int) {}
          package mutating func highAfterInlined() {}
          private func highPrivate() {}
        }
        extension Int { func highMethod() -> Int { self } }
        """)
    let low = SourceFile(
      folder: "Low", name: "Low.swift",
      text: """
        struct LowType { var shared = 0 }
        func uses() {
          _ = HighType()
          _ = highFunction() + highGlobal
          _ = "a".highProperty + String.highStatic()
          var text = ""
          text.highInlined(1)
          text.highAfterInlined()
          _ = 1.highMethod()
          // highFunction() in a comment, and in a string:
          _ = "HighType highMethod"
          _ = LowType().shared
        }
        """)
    let check = LayerCheck(layers: ["Low", "High"])
    #expect(
      check.violations(in: [low, high]) == [
        "Low/Low.swift uses HighType of High",
        "Low/Low.swift uses highAfterInlined of High",
        "Low/Low.swift uses highFunction of High",
        "Low/Low.swift uses highGlobal of High",
        "Low/Low.swift uses highInlined of High",
        "Low/Low.swift uses highMethod of High",
        "Low/Low.swift uses highProperty of High",
        "Low/Low.swift uses highStatic of High",
      ])
    // Downwards is the rule, and a folder of no layer is reported, not skipped.
    #expect(LayerCheck(layers: ["High", "Low"]).violations(in: [low, high]).isEmpty)
    #expect(
      check.violations(in: [SourceFile(folder: "Other", name: "X.swift", text: "")])
        == ["Other/X.swift is in no layer"])
  }
}

/// Upward uses among source files whose folders are `layers`, from the bottom up.
private struct LayerCheck {
  var layers: [String]

  func violations(in files: [SourceFile]) -> [String] {
    var owners: [String: Set<String>] = [:]  // name -> folders where a lower layer may not use it
    var anywhere: [String: Set<String>] = [:]  // name -> folders declaring it in any role
    for file in files {
      for name in file.layeredNames { owners[name, default: []].insert(file.folder) }
      for name in file.declaredNames { anywhere[name, default: []].insert(file.folder) }
    }
    var violations: [String] = []
    for file in files {
      guard let level = layers.firstIndex(of: file.folder) else {
        violations.append("\(file.folder)/\(file.name) is in no layer")
        continue
      }
      for name in file.usedIdentifiers {
        guard let folders = owners[name] else { continue }
        let nearer = anywhere[name, default: []].contains {
          (layers.firstIndex(of: $0) ?? .max) <= level
        }
        guard !nearer else { continue }
        let above = folders.sorted().joined(separator: ", ")
        violations.append("\(file.folder)/\(file.name) uses \(name) of \(above)")
      }
    }
    return violations.sorted()
  }
}

/// One Swift file of the library, with comments and string literals removed.
private struct SourceFile {
  var folder: String
  var name: String
  var code: String

  init(folder: String, name: String, text: String) {
    self.folder = folder
    self.name = name
    self.code = Self.stripped(text)
  }

  static func all(under root: URL) throws -> [SourceFile] {
    var files: [SourceFile] = []
    let enumerator = FileManager.default.enumerator(atPath: root.path)
    while let relative = enumerator?.nextObject() as? String {
      guard relative.hasSuffix(".swift") else { continue }
      let parts = relative.split(separator: "/")
      guard parts.count >= 2 else { continue }
      let text = try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
      files.append(SourceFile(folder: String(parts[0]), name: String(parts.last!), text: text))
    }
    return files
  }

  /// Whether the file imports `module` or a declaration of it (`import struct M.X`).
  func imports(_ module: String) -> Bool {
    !Self.matches(#"(?m)^\s*((?:@\w+\s+)*import\s+(?:\w+\s+)?\#(module)\b)"#, in: code).isEmpty
  }

  /// What a lower layer may not use: type names declared at any depth (`struct X`,
  /// `typealias X`, ...); free functions and globals (`func f`, `let g` at the top level); the
  /// members of extensions (`func`, `var`, `let`, static or not, one level in); private
  /// functions and members excepted, which no other file can use.
  var layeredNames: Set<String> {
    let (topLevel, extensionMembers) = levels
    return Self.matches(#"\b(?:struct|class|enum|protocol|actor|typealias)\s+(\w+)"#, in: code)
      .union(Self.declarations(in: topLevel))
      .union(Self.declarations(in: extensionMembers))
  }

  /// Every name the file declares in any role: the names above, members, locals, enum cases,
  /// and the generic parameters of its declarations (`struct PerTrait<Value>`, `func f<T>`).
  var declaredNames: Set<String> {
    var names = layeredNames
    names.formUnion(Self.matches(#"\b(?:func|var|let|case)\s+(\w+)"#, in: code))
    let generics = Self.matches(
      #"\b(?:struct|class|enum|actor|func|typealias)\s+\w+\s*<([^>]*)>"#, in: code)
    for list in generics {
      for parameter in list.split(separator: ",") {
        let name = parameter.split(separator: ":").first?.trimmingCharacters(in: .whitespaces)
        if let name, !name.isEmpty { names.insert(name) }
      }
    }
    return names
  }

  /// Every identifier the code mentions.
  var usedIdentifiers: Set<String> {
    Set(code.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init))
  }

  /// The code outside every brace, and the code one brace deep inside the top-level
  /// extensions (where their members are declared, without their bodies).
  private var levels: (topLevel: String, extensionMembers: String) {
    var topLevel = ""
    var members = ""
    var depth = 0
    var inExtension = false
    for character in code {
      if character == "{" {
        if depth == 0 {
          inExtension =
            topLevel.range(of: #"\bextension\s[^{}]*$"#, options: .regularExpression) != nil
        }
        depth += 1
      }
      if depth == 0 { topLevel.append(character) }
      if depth == 1 && inExtension && character != "{" { members.append(character) }
      if character == "}" {
        depth -= 1
        if depth == 0 {
          topLevel.append(";")
          members.append(";")
        }
      }
    }
    return (topLevel, members)
  }

  /// The names of the `func`, `var` and `let` declarations in `text`, private ones excepted.
  private static func declarations(in text: String) -> Set<String> {
    let expression = try! NSRegularExpression(
      pattern: #"(?:^|[\n;{}])\s*((?:@\w+(?:\([^)]*\))?\s+|\#(modifier)(?:\(set\))?\s+)*)"#
        + #"(?:func|var|let)\s+(\w+)"#)
    var names: Set<String> = []
    for match in expression.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
      guard let modifiers = Range(match.range(at: 1), in: text),
        let name = Range(match.range(at: 2), in: text)
      else { continue }
      let words = text[modifiers].split(whereSeparator: \.isWhitespace)
      guard !words.contains("private"), !words.contains("fileprivate") else { continue }
      names.insert(String(text[name]))
    }
    return names
  }

  /// The words that may come before `func`, `var` or `let`, besides attributes.
  private static let modifier =
    "(?:public|package|internal|private|fileprivate|static|class|final|mutating|nonmutating"
    + "|nonisolated|override|lazy|dynamic|weak|unowned|consuming|borrowing)"

  /// The first capture group of every match of `pattern`.
  private static func matches(_ pattern: String, in text: String) -> Set<String> {
    let expression = try! NSRegularExpression(pattern: pattern)
    var found: Set<String> = []
    for match in expression.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
      if let range = Range(match.range(at: 1), in: text) { found.insert(String(text[range])) }
    }
    return found
  }

  /// The code without `//` and `/* */` comments and without the text of string literals
  /// (interpolations included: good enough for a check of names). Multi-line string
  /// literals lose their text too.
  private static func stripped(_ text: String) -> String {
    var output = ""
    var characters = Array(text)
    characters.append(contentsOf: "\n\n\n")
    var index = 0
    while index < characters.count - 3 {
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
      if character == "\"" && next == "\"" && characters[index + 2] == "\"" {
        index += 3
        while index < characters.count - 2
          && !(characters[index] == "\"" && characters[index + 1] == "\""
            && characters[index + 2] == "\"")
        {
          if characters[index] == "\n" { output.append("\n") }
          index += 1
        }
        index += 3
        output.append("\"\"")
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
