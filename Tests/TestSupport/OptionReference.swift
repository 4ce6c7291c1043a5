import Foundation

/// The options a Markdown document lists in its option tables, for the tests that keep the
/// documentation in step with the option table (`CommandLineOption+Table.swift`).
///
/// An option table is one whose header's first cell is `option`. Each row's first cell names
/// one or more options in backticks, each followed by its value name (`` `--map SOURCE=SLUG` ``,
/// `` `-q`, `--quiet` ``). Names are taken whole, up to the value name: a row of
/// `--map-company` documents `--map-company`, never `--map` (a substring search would take it
/// for both).
public enum OptionReference {
  /// `Documentation/Options.md`: the reference, one row per option.
  public static let reference = Repository.path("Documentation/Options.md")

  /// README.md: a short overview of the options most runs need.
  public static let overview = Repository.path("README.md")

  /// One option as a table row spells it.
  public struct Entry: Sendable, Equatable {
    /// `--map`, `-q`.
    public var name: String
    /// What follows the name in its backticks (`SOURCE=SLUG`), or nil.
    public var valueName: String?
    /// The row's `modes` column split at commas (`all` and an empty cell kept as written),
    /// or nil when the table has no such column.
    public var modes: [String]?
  }

  public static func entries(in file: URL) throws -> [Entry] {
    entries(inMarkdown: try String(contentsOf: file, encoding: .utf8))
  }

  public static func entries(inMarkdown text: String) -> [Entry] {
    var result: [Entry] = []
    var inTable = false
    var modesColumn: Int?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      guard line.hasPrefix("|") else {
        inTable = false
        continue
      }
      let cells = Self.cells(line)
      guard inTable else {
        // A header row: the table is an option table when its first column is `option`.
        if cells.first == "option" {
          inTable = true
          modesColumn = cells.firstIndex(of: "modes")
        }
        continue
      }
      guard let first = cells.first, !first.hasPrefix("---") else { continue }
      let modes = modesColumn.map { column in
        (column < cells.count ? cells[column] : "").split(separator: ",").map {
          $0.trimmingCharacters(in: .whitespaces)
        }
      }
      // Odd pieces between backticks are code spans.
      let spans = first.split(separator: "`", omittingEmptySubsequences: false).enumerated()
        .filter { $0.offset % 2 == 1 }.map(\.element)
      for span in spans where span.hasPrefix("-") {
        let parts = span.split(separator: " ", maxSplits: 1)
        result.append(
          Entry(
            name: String(parts[0]), valueName: parts.count > 1 ? String(parts[1]) : nil,
            modes: modes))
      }
    }
    return result
  }

  private static func cells(_ line: Substring) -> [String] {
    var pieces = line.split(separator: "|", omittingEmptySubsequences: false)
    pieces.removeFirst()
    if pieces.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { pieces.removeLast() }
    return pieces.map { $0.trimmingCharacters(in: .whitespaces) }
  }
}
