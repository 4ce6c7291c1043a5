/// Little-endian integers and length-prefixed byte strings for the state file.
struct StateWriter {
  private(set) var bytes: [UInt8] = []

  mutating func integer<T: FixedWidthInteger>(_ value: T) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  mutating func data(_ data: some Collection<UInt8>) {
    integer(UInt32(data.count))
    bytes.append(contentsOf: data)
  }

  mutating func raw(_ data: some Collection<UInt8>) {
    bytes.append(contentsOf: data)
  }
}

/// Reads what `StateWriter` wrote, checking every bound: a state file is input like any other
/// and a damaged one must be an error, never a crash.
struct StateReader {
  private let bytes: [UInt8]
  private(set) var position = 0

  init(_ bytes: [UInt8]) {
    self.bytes = bytes
  }

  var isAtEnd: Bool { position == bytes.count }

  mutating func integer<T: FixedWidthInteger>(_: T.Type = T.self) throws(StateFileError) -> T {
    let size = MemoryLayout<T>.size
    guard bytes.count - position >= size else { throw .corrupt("truncated") }
    var value: T = 0
    for index in 0..<size { value |= T(bytes[position + index]) << (8 * index) }
    position += size
    return value
  }

  mutating func data(maximum: Int = Int(UInt32.max)) throws(StateFileError) -> ArraySlice<UInt8> {
    let count = Int(try integer(UInt32.self))
    guard count <= maximum, bytes.count - position >= count else { throw .corrupt("truncated") }
    defer { position += count }
    return bytes[position..<position + count]
  }

  mutating func string() throws(StateFileError) -> String {
    let utf8 = try data()
    guard let text = String(validating: utf8, as: UTF8.self) else {
      throw .corrupt("invalid UTF-8")
    }
    return text
  }
}
