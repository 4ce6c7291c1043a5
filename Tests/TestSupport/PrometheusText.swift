/// A strict reader of the Prometheus text exposition format (version 0.0.4), enough to check
/// what `--metrics-file` writes: every sample belongs to a family announced by `# HELP` and
/// `# TYPE` before it, names and label names are valid, counters end in `_total` and gauges
/// do not, and no series appears twice.
public struct PrometheusText {
  public struct Family {
    public var help: String
    public var type: String
  }

  public enum ParseError: Error, CustomStringConvertible {
    case malformed(line: Int, String)

    public var description: String {
      switch self {
      case .malformed(let line, let why): "metrics line \(line): \(why)"
      }
    }
  }

  public private(set) var families: [String: Family] = [:]
  /// Value per series, keyed `name` or `name{label="value",...}` as written.
  public private(set) var samples: [String: Double] = [:]

  public subscript(series: String) -> Double? { samples[series] }

  public init(_ text: String) throws {
    guard text.hasSuffix("\n") else { throw ParseError.malformed(line: 0, "no final newline") }
    var help: [String: String] = [:]
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false)
      .dropLast().enumerated()
    {
      let number = index + 1
      if line.hasPrefix("# HELP ") {
        let rest = line.dropFirst(7)
        guard let space = rest.firstIndex(of: " ") else {
          throw ParseError.malformed(line: number, "HELP without text")
        }
        let name = String(rest[..<space])
        guard Self.isValidName(name), help[name] == nil else {
          throw ParseError.malformed(line: number, "bad or repeated HELP for \(name)")
        }
        help[name] = String(rest[rest.index(after: space)...])
      } else if line.hasPrefix("# TYPE ") {
        let parts = line.dropFirst(7).split(separator: " ")
        guard parts.count == 2, let text = help[String(parts[0])],
          families[String(parts[0])] == nil,
          ["counter", "gauge"].contains(parts[1])
        else { throw ParseError.malformed(line: number, "TYPE must follow its HELP once") }
        let name = String(parts[0])
        let type = String(parts[1])
        guard (type == "counter") == name.hasSuffix("_total") else {
          throw ParseError.malformed(line: number, "\(type) \(name): _total is for counters only")
        }
        families[name] = Family(help: text, type: type)
      } else if line.hasPrefix("#") || line.isEmpty {
        throw ParseError.malformed(line: number, "unexpected comment or blank line")
      } else {
        guard let space = line.lastIndex(of: " "),
          let value = Double(line[line.index(after: space)...])
        else { throw ParseError.malformed(line: number, "no value") }
        let series = String(line[..<space])
        let name = String(series.prefix { $0 != "{" })
        guard families[name] != nil else {
          throw ParseError.malformed(line: number, "sample of \(name) before its TYPE")
        }
        if series.count > name.count {
          guard series.hasSuffix("}") else { throw ParseError.malformed(line: number, "labels") }
          let labels = series.dropFirst(name.count + 1).dropLast()
          for pair in labels.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, Self.isValidName(String(parts[0])), parts[1].count >= 2,
              parts[1].hasPrefix("\""), parts[1].hasSuffix("\"")
            else { throw ParseError.malformed(line: number, "bad label \(pair)") }
          }
        }
        guard samples[series] == nil else {
          throw ParseError.malformed(line: number, "\(series) appears twice")
        }
        samples[series] = value
      }
    }
  }

  private static func isValidName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
    return name.unicodeScalars.allSatisfy {
      ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        || $0 == "_" || $0 == ":"
    }
  }
}
