import Glibc

// Format (version 4), all integers little-endian:
//
//   magic        "attio-pipe state\n" (17 bytes)
//   version      u32 = 4 (versions 1 to 3 are read too: their profiles held a fixed list of
//                6 and 7 traits rather than slots (1, 2); their delivery section kept
//                upserted values rather than their hashes, and no record ids (1, 2), no
//                sequence numbers, and the delivered messageIds, which version 4 keeps as
//                the seen messages of the identity section (1 to 3))
//   identity     u32 length, then the identity profiles and the messageIds seen
//                (IdentitySection.swift)
//   delivery     u32 length, then what delivery remembers per email (DeliveredState.swift)
//   spool        (version 4 on) u32 length, then, for a run with `--spool`, the spool's id
//                (16 bytes) and the u64 sequence number of the first spooled line that the
//                identities do not include yet; empty without `--spool`
//   checksum     u64 FNV-1a of every byte before it
//
// A section may be empty (a `build` run has no delivery section to write, and keeps the one
// it loaded). Saving writes a temporary file beside the target, fsyncs it, renames it over
// the target and fsyncs the directory, so a crash or `kill -9` at any moment leaves either the
// previous file or the new one, never a mix. When the path is a symbolic link, the link's
// target is what is replaced (the link stays a link).

/// The `--state` file: identity profiles, the messageIds seen, and delivery's memory of what it
/// upserted.
package struct StateFile: Sendable {
  static let magic = Array("attio-pipe state\n".utf8)
  package static let version: UInt32 = 4
  /// The oldest version still read.
  static let oldestReadableVersion: UInt32 = 1

  package struct Contents: Sendable, Equatable {
    package var identity: [UInt8] = []
    package var delivery: [UInt8] = []
    package var spool: [UInt8] = []

    package init(identity: [UInt8] = [], delivery: [UInt8] = [], spool: [UInt8] = []) {
      self.identity = identity
      self.delivery = delivery
      self.spool = spool
    }
  }

  /// A section to save: bytes at hand, or an encoder run twice (once to count its length,
  /// once to write it), so a large section is never held whole in memory.
  package enum Section {
    case bytes([UInt8])
    case encoded((inout StateWriter) -> Void)
  }

  let path: String

  package init(path: String) { self.path = path }

  /// What `load` returns besides what `identity` built.
  package struct Loaded: Sendable, Equatable {
    package var delivery: [UInt8] = []
    package var spool: [UInt8] = []
    /// The file's format version, for the sections whose layout changed with it.
    package var version = StateFile.version
  }

  /// Reads the file as it streams by: `identity` gets the identity section (and must consume
  /// exactly `length` bytes of it); the delivery section's bytes are returned. The checksum is
  /// checked at the end, so a caller keeps what `identity` built only when this returns.
  /// Without a file, `identity` is not called and the result is empty.
  package func load(
    identity: (inout StateReader, _ length: Int) throws(StateFileError) -> Void
  ) throws(StateFileError) -> Loaded {
    // O_NONBLOCK: should a FIFO have taken the file's place since `checkSavable`, opening it
    // must not wait for a writer; it is refused below.
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    if descriptor < 0 {
      if errno == ENOENT { return Loaded() }
      throw .cannotRead(path: path, errno: errno)
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw .cannotRead(path: path, errno: errno) }
    guard status.st_mode & S_IFMT == S_IFREG else {
      throw .notARegularFile(path: path, kind: Self.kind(of: status.st_mode))
    }
    let size = Int(status.st_size)
    do {
      return try decode(descriptor: descriptor, size: size, identity: identity)
    } catch .corrupt(let detail, _) {
      throw .corrupt(detail, path: path)
    }
  }

  private func decode(
    descriptor: Int32, size: Int,
    identity: (inout StateReader, _ length: Int) throws(StateFileError) -> Void
  ) throws(StateFileError) -> Loaded {
    guard size > 0 else { throw .corrupt("empty file") }
    // The header first, on its own, so a foreign or newer file is named as such.
    let headerLength = StateFile.magic.count + 4
    var header = [UInt8](repeating: 0, count: headerLength)
    let got = header.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress!, headerLength, 0) }
    guard got >= StateFile.magic.count, Array(header[0..<StateFile.magic.count]) == StateFile.magic
    else {
      throw .notAStateFile(path: path)
    }
    guard got == headerLength else { throw .corrupt("truncated") }
    var version: UInt32 = 0
    for index in 0..<4 { version |= UInt32(header[StateFile.magic.count + index]) << (8 * index) }
    guard (StateFile.oldestReadableVersion...StateFile.version).contains(version) else {
      throw .unsupportedVersion(path: path, version: version)
    }
    guard size >= headerLength + 8 + 8 else { throw .corrupt("truncated") }
    // Then everything but the checksum, through the checksumming reader.
    var reader = StateReader(descriptor: descriptor, length: size - 8)
    reader.formatVersion = version
    _ = try reader.raw(count: headerLength)
    let identityLength = Int(try reader.integer(UInt32.self))
    let start = reader.consumed
    try identity(&reader, identityLength)
    guard reader.consumed - start == identityLength else {
      throw .corrupt("the identity section's length does not match its contents")
    }
    let delivery = Array(try reader.data())
    let spool = version >= 4 ? Array(try reader.data(maximum: 1024)) : []
    guard reader.isAtEnd else { throw .corrupt("trailing bytes") }
    var trailer = StateReader(descriptor: descriptor, length: 8)
    let stored = try trailer.integer(UInt64.self)
    guard stored == reader.checksum else {
      throw .corrupt("checksum mismatch: truncated or altered")
    }
    return Loaded(delivery: delivery, spool: spool, version: version)
  }

  /// Writes atomically, mode 0600 (the file holds personal data).
  package func save(identity: Section, delivery: Section, spool: [UInt8] = [])
    throws(StateFileError)
  {
    let target = resolvedPath()
    let temporary = "\(target).tmp-\(getpid())"
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { throw .cannotWrite(path: path, errno: errno) }
    var writer = StateWriter(.file(descriptor))
    writer.raw(StateFile.magic)
    writer.integer(StateFile.version)
    for section in [identity, delivery, .bytes(spool)] {
      switch section {
      case .bytes(let bytes):
        writer.data(bytes)
      case .encoded(let encode):
        var counter = StateWriter(.count)
        encode(&counter)
        writer.integer(UInt32(clamping: counter.count))
        encode(&writer)
      }
    }
    writer.flush()
    var trailer = StateWriter()
    trailer.integer(writer.checksum)
    var failure = writer.failure
    if failure == nil {
      var finish = StateWriter(.file(descriptor))
      finish.raw(trailer.bytes)
      finish.flush()
      failure = finish.failure
    }
    if failure == nil && fsync(descriptor) != 0 { failure = errno }
    close(descriptor)
    if failure == nil && rename(temporary, target) != 0 { failure = errno }
    if let failure {
      unlink(temporary)
      throw .cannotWrite(path: path, errno: failure)
    }
    Self.syncDirectory(Self.directory(of: target))
  }

  /// Fails unless the file can be saved: it is a regular file or does not exist yet (through
  /// symbolic links), and its directory (the link target's, for a symbolic link) exists and
  /// is writable. Checked before any input is read, so a mistyped path is not discovered at
  /// the first save, after the whole stream was processed.
  package func checkSavable() throws(StateFileError) {
    var file = stat()
    if stat(path, &file) == 0, file.st_mode & S_IFMT != S_IFREG {
      throw .notARegularFile(path: path, kind: Self.kind(of: file.st_mode))
    }
    let directory = Self.directory(of: resolvedPath())
    var status = stat()
    guard stat(directory, &status) == 0 else {
      throw .directoryUnusable(path: path, directory: directory, errno: errno)
    }
    guard status.st_mode & S_IFMT == S_IFDIR else {
      throw .directoryUnusable(path: path, directory: directory, errno: ENOTDIR)
    }
    guard access(directory, W_OK | X_OK) == 0 else {
      throw .directoryUnusable(path: path, directory: directory, errno: errno)
    }
  }

  /// The path with symbolic links at its end followed (a dangling link names the file it will
  /// create), so saving replaces the target and keeps the link.
  func resolvedPath() -> String {
    var current = path
    for _ in 0..<40 {
      var status = stat()
      guard lstat(current, &status) == 0, status.st_mode & S_IFMT == S_IFLNK else { break }
      var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let length = readlink(current, &buffer, buffer.count - 1)
      guard length > 0 else { break }
      let target = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
      current = target.hasPrefix("/") ? target : Self.directory(of: current) + "/" + target
    }
    return current
  }

  /// Where identity stands in the spool (`--spool`): the spool's id and the first line the
  /// saved identities do not include.
  package struct SpoolMark: Equatable, Sendable {
    package var spoolId: [UInt8]
    package var position: UInt64

    package var encoded: [UInt8] {
      var writer = StateWriter()
      writer.raw(spoolId)
      writer.integer(position)
      return writer.bytes
    }

    package init(spoolId: [UInt8], position: UInt64) {
      self.spoolId = spoolId
      self.position = position
    }

    /// Nil for an empty section (no `--spool` then), or one that is not a mark.
    package init?(_ bytes: [UInt8]) {
      guard bytes.count == 24 else { return nil }
      var reader = StateReader(bytes)
      guard let id = try? reader.raw(count: 16), let position = try? reader.integer(UInt64.self)
      else { return nil }
      spoolId = Array(id)
      self.position = position
    }
  }

  /// What a file that is not a regular one is, for the error.
  private static func kind(of mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFIFO: "a FIFO"
    case S_IFCHR: "a character device"
    case S_IFBLK: "a block device"
    case S_IFDIR: "a directory"
    case S_IFSOCK: "a socket"
    default: "not a plain file"
    }
  }

  private static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let directory = String(path[..<slash])
    return directory.isEmpty ? "/" : directory
  }

  /// Makes the rename itself durable.
  private static func syncDirectory(_ directory: String) {
    let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    fsync(descriptor)
    close(descriptor)
  }

  static let checksumSeed: UInt64 = 0xcbf2_9ce4_8422_2325

  /// FNV-1a, 64-bit; `continuing` chains pieces.
  package static func checksum(
    _ bytes: some Collection<UInt8>, continuing seed: UInt64 = checksumSeed
  )
    -> UInt64
  {
    var hash = seed
    for byte in bytes {
      hash ^= UInt64(byte)
      hash &*= 0x100_0000_01b3
    }
    return hash
  }
}
