import Foundation
import Glibc
import TestSupport

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// A `--spool` directory of one test, in the temporary directory (not created: the spool makes
/// it), and what the tests look at in it: its segment files, their records, their bytes.
struct SpoolDirectory {
  let path: String

  init(_ name: String = "spool") {
    path = temporaryPath(name)
  }

  /// Opens the spool as a run would. A spool this process closed a moment ago can still be
  /// locked for a moment: a process another test is starting (`posix_spawn`) holds a copy of
  /// every descriptor, the lock's too, from its fork until its exec closes them (O_CLOEXEC).
  /// So `.inUse` is retried for up to 10 s, unless `waitingForRelease` is false (the test of
  /// the lock itself). A real second holder still fails, only later.
  func open(maximumBytes: Int = 1 << 30, waitingForRelease: Bool = true) throws(SpoolError)
    -> Spool
  {
    var attempts = 0
    while true {
      do {
        return try Spool(Spool.Options(path: path, maximumBytes: maximumBytes))
      } catch .inUse(let path) {
        guard waitingForRelease, attempts < 500 else { throw .inUse(path: path) }
        attempts += 1
        usleep(20_000)
      }
    }
  }

  func remove() {
    try? FileManager.default.removeItem(atPath: path)
  }

  /// Segment files, in number order.
  var segments: [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    return names.filter { SpoolFormat.segmentNumber(ofName: $0) != nil }.sorted().map {
      path + "/" + $0
    }
  }

  /// Every file but the lock, name to bytes: what "nothing was deleted or changed" compares.
  var contents: [String: [UInt8]] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    var contents: [String: [UInt8]] = [:]
    for name in names where name != "lock" {
      contents[name] = SpoolDirectory.bytes(of: path + "/" + name)
    }
    return contents
  }

  /// The path of segment `number` (whether it exists or not).
  func segment(_ number: UInt64) -> String {
    path + "/" + SpoolFormat.segmentName(number)
  }

  /// Creates the directory (0700) holding exactly `files` (name to bytes): a spool as an
  /// earlier run, a crash or damage left it.
  func create(holding files: [String: [UInt8]]) throws {
    try FileManager.default.createDirectory(
      atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
    for (name, bytes) in files {
      try SpoolDirectory.write(bytes, to: path + "/" + name)
    }
  }

  static func bytes(of path: String) -> [UInt8] {
    (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) ?? []
  }

  static func write(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }

  /// One record of a segment file as it lies on disk.
  struct Record: Equatable {
    var kind: SpoolFormat.Kind
    var payload: [UInt8]
    /// The file offsets of its first byte and of the byte after it.
    var offset: Int
    var end: Int
  }

  /// The header and every whole record of the segment at `path`.
  static func records(of path: String) throws -> (header: SpoolFormat.Header, records: [Record]) {
    var reader = try SpoolSegmentReader(path: path)
    let header = try reader.header()
    var records: [Record] = []
    let size = reader.fileSize
    while let record = try reader.next(limit: size) {
      records.append(
        Record(
          kind: record.kind, payload: Array(record.payload), offset: record.offset,
          end: record.end))
    }
    return (header, records)
  }

  /// The mode bits (permissions) of `path`.
  static func mode(of path: String) -> mode_t {
    var status = stat()
    guard stat(path, &status) == 0 else { return 0 }
    return status.st_mode & 0o7777
  }
}
