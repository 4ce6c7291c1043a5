import Foundation
import Glibc
import TestSupport
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// The `--spool` directory itself: created private, refused when it cannot be used (before
/// anything is read), and held by one attio-pipe at a time.
@Suite struct SpoolDirectoryTests {
  @Test func aNewSpoolIsCreatedPrivate() throws {
    let directory = SpoolDirectory()
    defer { directory.remove() }
    let spool = try directory.open()
    let input = spool.register(device: 1, inode: 2, isRegularFile: true, name: nil)
    try spool.appendLines(3, input: input)
    #expect(SpoolDirectory.mode(of: directory.path) == 0o700)
    #expect(SpoolDirectory.mode(of: directory.path + "/lock") == 0o600)
    let segments = directory.segments
    #expect(segments.count == 1)
    for segment in segments { #expect(SpoolDirectory.mode(of: segment) == 0o600) }
  }

  @Test func aMissingParentIsRefusedAndNotCreated() throws {
    let parent = temporaryPath("missing")
    let path = parent + "/spool"
    #expect(throws: SpoolError.directoryUnusable(path: path, errno: ENOENT)) {
      _ = try Spool(Spool.Options(path: path))
    }
    #expect(!FileManager.default.fileExists(atPath: parent))
  }

  @Test func aRegularFileIsRefusedAndLeftAlone() throws {
    let path = temporaryPath("file")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try SpoolDirectory.write(Array("events".utf8), to: path)
    #expect(throws: SpoolError.notADirectory(path: path)) {
      _ = try Spool(Spool.Options(path: path))
    }
    #expect(SpoolDirectory.bytes(of: path) == Array("events".utf8))
    // A path under a file: no directory can ever be made there.
    #expect(throws: SpoolError.directoryUnusable(path: path + "/spool", errno: ENOTDIR)) {
      _ = try Spool(Spool.Options(path: path + "/spool"))
    }
  }

  @Test func aSymbolicLinkToADirectoryIsFollowedToAFileRefused() throws {
    let directory = SpoolDirectory()
    let link = temporaryPath("link")
    let file = temporaryPath("file")
    defer {
      directory.remove()
      try? FileManager.default.removeItem(atPath: link)
      try? FileManager.default.removeItem(atPath: file)
    }
    try directory.create(holding: [:])
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: directory.path)
    do {
      let spool = try Spool(Spool.Options(path: link))
      try spool.commit()
    }
    #expect(directory.segments.count == 1)
    try FileManager.default.removeItem(atPath: link)
    try SpoolDirectory.write([], to: file)
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: file)
    #expect(throws: SpoolError.notADirectory(path: link)) {
      _ = try Spool(Spool.Options(path: link))
    }
  }

  /// A directory nothing can be created in. Modes do not stop root (the tests may run as
  /// root), so: `/proc`, where nobody can create a file, and, when not root, a 0500 directory.
  @Test func aDirectoryThatCannotBeWrittenIsRefused() throws {
    let refused = { (path: String) in
      do {
        _ = try Spool(Spool.Options(path: path))
        Issue.record("\(path) was accepted")
      } catch let error as SpoolError {
        guard case .directoryUnusable(path, _) = error else {
          Issue.record("\(path): \(error)")
          return
        }
        #expect(error.message.contains(path))
      } catch {
        Issue.record("\(path): \(error)")
      }
    }
    refused("/proc")
    refused("/proc/attio-pipe-spool")
    if geteuid() != 0 {
      let directory = SpoolDirectory()
      defer {
        chmod(directory.path, 0o700)
        directory.remove()
      }
      try directory.create(holding: [:])
      chmod(directory.path, 0o500)
      refused(directory.path)
    }
  }

  @Test func oneSpoolIsHeldByOneInstanceAtATime() throws {
    let directory = SpoolDirectory()
    defer { directory.remove() }
    do {
      let first = try directory.open()
      #expect(throws: SpoolError.inUse(path: directory.path)) {
        _ = try directory.open(waitingForRelease: false)
      }
      #expect(SpoolError.inUse(path: directory.path).message.contains(directory.path))
      try first.commit()
    }
    // Let go: the next one opens it.
    let again = try directory.open()
    #expect(again.recovery.tornPath == nil)
  }
}
