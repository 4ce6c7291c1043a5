import Glibc

// Format (version 1), all integers little-endian:
//
//   magic        "attio-pipe state\n" (17 bytes)
//   version      u32 = 1
//   identity     u32 length, then the identity store's section (IdentityStore+State.swift)
//   delivery     u32 length, then what delivery has upserted per email (DeliveryScheduler)
//   checksum     u64 FNV-1a of every byte before it
//
// A section may be empty (a `build` run has no delivery section to write, and keeps the one
// it loaded). Saving writes a temporary file beside the target, fsyncs it, renames it over
// the target and fsyncs the directory, so a crash or `kill -9` at any moment leaves either the
// previous file or the new one, never a mix.

/// The `--state` file: identity profiles and delivery's memory of what it upserted.
struct StateFile: Sendable {
  static let magic = Array("attio-pipe state\n".utf8)
  static let version: UInt32 = 1

  struct Contents: Sendable, Equatable {
    var identity: [UInt8] = []
    var delivery: [UInt8] = []
  }

  /// A section to save: bytes at hand, or an encoder run twice (once to count its length,
  /// once to write it), so a large section is never held whole in memory.
  enum Section {
    case bytes([UInt8])
    case encoded((inout StateWriter) -> Void)
  }

  let path: String

  /// The saved contents; empty sections when the file does not exist yet.
  func load() throws(StateFileError) -> Contents {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    if descriptor < 0 {
      if errno == ENOENT { return Contents() }
      throw .cannotRead(path: path, errno: errno)
    }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let count = read(descriptor, &chunk, chunk.count)
      if count < 0 {
        if errno == EINTR { continue }
        throw .cannotRead(path: path, errno: errno)
      }
      if count == 0 { break }
      bytes.append(contentsOf: chunk[0..<count])
    }
    do {
      return try decode(bytes)
    } catch .corrupt(let detail, _) {
      throw .corrupt(detail, path: path)
    }
  }

  private func decode(_ bytes: [UInt8]) throws(StateFileError) -> Contents {
    guard bytes.count >= StateFile.magic.count,
      Array(bytes[0..<StateFile.magic.count]) == StateFile.magic
    else {
      throw bytes.isEmpty ? .corrupt("empty file") : .notAStateFile(path: path)
    }
    var reader = StateReader(Array(bytes[StateFile.magic.count...]))
    let version = try reader.integer(UInt32.self)
    guard version == StateFile.version else {
      throw .unsupportedVersion(path: path, version: version)
    }
    guard bytes.count >= StateFile.magic.count + 12 else { throw .corrupt("truncated") }
    let stored = bytes.suffix(8).enumerated().reduce(UInt64(0)) {
      $0 | UInt64($1.element) << (8 * $1.offset)
    }
    guard stored == StateFile.checksum(bytes.dropLast(8)) else {
      throw .corrupt("checksum mismatch: truncated or altered")
    }
    let identity = Array(try reader.data())
    let delivery = Array(try reader.data())
    _ = try reader.integer(UInt64.self)
    guard reader.isAtEnd else { throw .corrupt("trailing bytes") }
    return Contents(identity: identity, delivery: delivery)
  }

  /// Writes atomically, mode 0600 (the file holds personal data).
  func save(_ contents: Contents) throws(StateFileError) {
    try save(identity: .bytes(contents.identity), delivery: .bytes(contents.delivery))
  }

  func save(identity: Section, delivery: Section) throws(StateFileError) {
    let temporary = "\(path).tmp-\(getpid())"
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { throw .cannotWrite(path: path, errno: errno) }
    var writer = StateWriter(.file(descriptor))
    writer.raw(StateFile.magic)
    writer.integer(StateFile.version)
    for section in [identity, delivery] {
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
    if failure == nil && rename(temporary, path) != 0 { failure = errno }
    if let failure {
      unlink(temporary)
      throw .cannotWrite(path: path, errno: failure)
    }
    syncDirectory()
  }

  /// Makes the rename itself durable.
  private func syncDirectory() {
    let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
    let descriptor = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    fsync(descriptor)
    close(descriptor)
  }

  static let checksumSeed: UInt64 = 0xcbf2_9ce4_8422_2325

  /// FNV-1a, 64-bit; `continuing` chains pieces.
  static func checksum(_ bytes: some Collection<UInt8>, continuing seed: UInt64 = checksumSeed)
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
