import AttioPipeCore
import Glibc

// The on-disk format of a spool segment (version 1), all integers little-endian:
//
//   header   magic "attio-pipe spool\n" (17 bytes), u32 version = 1, the spool's id (16 bytes),
//            u64 segment number, u64 sequence number of the segment's first line,
//            u64 FNV-1a of the header's bytes before it
//   records  u32 payload length, u8 kind, the payload, u64 FNV-1a of length, kind and payload
//
// Record kinds and payloads:
//
//   1 input  u32 reference, u64 device, u64 inode, u8 regular file (0/1), u8 named (0/1),
//            u64 offset and u64 line number where its lines so far end (0 and 0: none yet;
//            repeated at the head of each segment, so the end outlives older segments),
//            then the name results give the input (when named)
//   2 line   u32 input reference, u64 line number, u64 offset just past the line in its input,
//            u64 length of a line over --max-line-bytes (0: the bytes follow), the line's bytes
//   3 job    u64 sequence number of the line, the job (DeliveryJob+Spool.swift)
//   4 done   u64 sequence number of a line whose job has its final result
//
// A line's sequence number is not stored: it is the segment's first sequence number plus the
// count of line records before it in the segment. The checksum sits after the payload, so a
// write cut short by a crash (the torn tail) fails it or runs past the end of the file.

/// Encoding and decoding of spool segments.
enum SpoolFormat {
  static let magic = Array("attio-pipe spool\n".utf8)
  static let version: UInt32 = 1
  static let headerLength = magic.count + 4 + 16 + 8 + 8 + 8
  /// Record bytes besides the payload: length, kind, checksum.
  static let recordOverhead = 4 + 1 + 8

  enum Kind: UInt8 {
    case input = 1
    case line = 2
    case job = 3
    case done = 4
  }

  struct Header: Equatable {
    var spoolId: [UInt8]
    var number: UInt64
    var firstSequence: UInt64
  }

  static func encode(_ header: Header) -> [UInt8] {
    var bytes = magic
    append(version, to: &bytes)
    bytes.append(contentsOf: header.spoolId)
    append(header.number, to: &bytes)
    append(header.firstSequence, to: &bytes)
    append(StateFile.checksum(bytes), to: &bytes)
    return bytes
  }

  /// The header of a segment's first bytes; nil when they are not one (`detail` says why).
  static func decodeHeader(_ bytes: some Collection<UInt8>) -> Result<Header, SpoolFormatError> {
    let bytes = Array(bytes)
    guard bytes.count >= headerLength, Array(bytes[0..<magic.count]) == magic else {
      return .failure(.init("no spool header"))
    }
    var position = magic.count
    let version: UInt32 = integer(bytes, &position)
    guard version == Self.version else {
      return .failure(.init("format version \(version), this attio-pipe reads \(Self.version)"))
    }
    let spoolId = Array(bytes[position..<position + 16])
    position += 16
    let number: UInt64 = integer(bytes, &position)
    let first: UInt64 = integer(bytes, &position)
    let stored: UInt64 = integer(bytes, &position)
    guard stored == StateFile.checksum(bytes[0..<headerLength - 8]) else {
      return .failure(.init("header checksum mismatch"))
    }
    return .success(Header(spoolId: spoolId, number: number, firstSequence: first))
  }

  /// Appends one whole record to `buffer`.
  static func appendRecord(
    _ kind: Kind, to buffer: inout [UInt8], payload: (inout [UInt8]) -> Void
  ) {
    let start = buffer.count
    append(UInt32(0), to: &buffer)
    buffer.append(kind.rawValue)
    payload(&buffer)
    let length = UInt32(buffer.count - start - 5)
    withUnsafeBytes(of: length.littleEndian) { raw in
      for index in 0..<4 { buffer[start + index] = raw[index] }
    }
    append(StateFile.checksum(buffer[start...]), to: &buffer)
  }

  static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  static func appendData(_ data: some Collection<UInt8>, to bytes: inout [UInt8]) {
    append(UInt32(data.count), to: &bytes)
    bytes.append(contentsOf: data)
  }

  static func integer<T: FixedWidthInteger>(
    _ bytes: some RandomAccessCollection<UInt8>, _ position: inout Int
  ) -> T {
    var value: T = 0
    let base = bytes.startIndex
    for index in 0..<MemoryLayout<T>.size {
      value |= T(bytes[bytes.index(base, offsetBy: position + index)]) << (8 * index)
    }
    position += MemoryLayout<T>.size
    return value
  }

  static func segmentName(_ number: UInt64) -> String {
    let hex = String(number, radix: 16)
    return "segment-" + String(repeating: "0", count: max(0, 16 - hex.count)) + hex + ".spool"
  }

  /// The segment number a file name stands for; nil for other files.
  static func segmentNumber(ofName name: String) -> UInt64? {
    guard name.hasPrefix("segment-"), name.hasSuffix(".spool"), name.count == 8 + 16 + 6 else {
      return nil
    }
    return UInt64(name.dropFirst(8).dropLast(6), radix: 16)
  }
}

/// Why bytes are not a spool header or record (the caller adds the path and offset).
struct SpoolFormatError: Error, Equatable {
  var detail: String
  init(_ detail: String) { self.detail = detail }
}

/// The fields of a `line` record.
struct SpoolLineRecord {
  var input: UInt32
  var lineNumber: Int
  var endOffset: Int
  /// A line over the limit: its length (its bytes were not kept); 0 for a line with bytes.
  var tooLongLength: Int
  /// Offset of the line's bytes within the payload.
  static let bytesOffset = 4 + 8 + 8 + 8

  init(input: UInt32, lineNumber: Int, endOffset: Int, tooLongLength: Int) {
    self.input = input
    self.lineNumber = lineNumber
    self.endOffset = endOffset
    self.tooLongLength = tooLongLength
  }

  init?(payload: UnsafeBufferPointer<UInt8>) {
    guard payload.count >= Self.bytesOffset else { return nil }
    var position = 0
    input = SpoolFormat.integer(payload, &position)
    lineNumber = Int(truncatingIfNeeded: SpoolFormat.integer(payload, &position) as UInt64)
    endOffset = Int(truncatingIfNeeded: SpoolFormat.integer(payload, &position) as UInt64)
    tooLongLength = Int(truncatingIfNeeded: SpoolFormat.integer(payload, &position) as UInt64)
  }

  func appendHeader(to bytes: inout [UInt8]) {
    SpoolFormat.append(input, to: &bytes)
    SpoolFormat.append(UInt64(lineNumber), to: &bytes)
    SpoolFormat.append(UInt64(endOffset), to: &bytes)
    SpoolFormat.append(UInt64(tooLongLength), to: &bytes)
  }
}

/// The fields of an `input` record: which input a line came from, so that a restart on the same
/// regular file resumes where the spool left it.
struct SpoolInputRecord: Equatable {
  var reference: UInt32
  var device: UInt64
  var inode: UInt64
  var isRegularFile: Bool
  /// The file name results give it (nil when the run read a single input).
  var name: String?
  /// Where its lines spooled before this record end (offset just past the last one, and its
  /// number; 0 and 0 when none): a segment's input records carry it, so that a restart knows
  /// where a file ends even once the segments with its lines are deleted.
  var endOffset = 0
  var endLine = 0

  func encode(into bytes: inout [UInt8]) {
    SpoolFormat.append(reference, to: &bytes)
    SpoolFormat.append(device, to: &bytes)
    SpoolFormat.append(inode, to: &bytes)
    bytes.append(isRegularFile ? 1 : 0)
    bytes.append(name == nil ? 0 : 1)
    SpoolFormat.append(UInt64(endOffset), to: &bytes)
    SpoolFormat.append(UInt64(endLine), to: &bytes)
    if let name { bytes.append(contentsOf: name.utf8) }
  }

  init(reference: UInt32, device: UInt64, inode: UInt64, isRegularFile: Bool, name: String?) {
    self.reference = reference
    self.device = device
    self.inode = inode
    self.isRegularFile = isRegularFile
    self.name = name
  }

  init?(payload: UnsafeBufferPointer<UInt8>) {
    guard payload.count >= 4 + 8 + 8 + 2 + 16 else { return nil }
    var position = 0
    reference = SpoolFormat.integer(payload, &position)
    device = SpoolFormat.integer(payload, &position)
    inode = SpoolFormat.integer(payload, &position)
    isRegularFile = payload[position] != 0
    let named = payload[position + 1] != 0
    position += 2
    endOffset = Int(truncatingIfNeeded: SpoolFormat.integer(payload, &position) as UInt64)
    endLine = Int(truncatingIfNeeded: SpoolFormat.integer(payload, &position) as UInt64)
    name = named ? String(decoding: payload[position...], as: UTF8.self) : nil
  }
}
