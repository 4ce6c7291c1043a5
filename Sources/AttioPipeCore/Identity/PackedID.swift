// Design: the identity index stores each id after a 2-byte header. Most ids in real streams
// have one of three shapes that fit in far fewer bytes than their text, and a million visitors
// pay for every byte:
//
//   form     text                                   stored                  header
//   UUID     36 lower-case characters, 8-4-4-4-12   16 bytes                [16] [0x80]
//   decimal  1...19 digits (leading zeros kept)     the value, 1...8 bytes  [n]  [0xC0 | digits]
//   hex      2...32 lower-case hex digits, even     2 digits a byte         [n]  [0xA0]
//   text     anything else, up to 1024 bytes        as written              [n & 0xFF] [n >> 8]
//
// A form is only chosen when reading it back gives exactly the same bytes, so every id still
// names exactly itself: upper-case hex, braces, a '+' or a 20-digit number stay text. The form
// follows from the text alone, so the same id always packs the same way (the hash is taken of
// the packed words for a packed id).

/// An id in one of the packed forms: its stored bytes (zero-padded to 16) and its header.
struct PackedID {
  /// The stored bytes, first byte lowest; unused bytes are zero.
  var words: (UInt64, UInt64)
  /// How many of the 16 bytes are stored.
  var count: Int
  /// The header's second byte (0x80 and up: packed).
  var form: UInt8

  static let uuidForm: UInt8 = 0x80
  static let hexForm: UInt8 = 0xA0
  static let decimalForm: UInt8 = 0xC0
  /// The longest text any packed form reads back as (a UUID).
  static let maximumTextLength = 36

  /// The packed form of `id`, or nil when it must be stored as text. Every look-up asks, so
  /// the common misses end at the first byte that cannot belong to a form.
  @inline(__always)
  init?(_ id: UnsafeBufferPointer<UInt8>) {
    if let uuid = Self.uuid(id) {
      self.init(words: uuid, count: 16, form: Self.uuidForm)
      return
    }
    guard id.count >= 1 && id.count <= 32, let base = id.baseAddress else { return nil }
    if id.count <= 19, let value = Self.decimal(base, id.count) {
      let bits = 64 - value.leadingZeroBitCount
      self.init(
        words: (value, 0), count: max(1, (bits + 7) / 8), form: Self.decimalForm | UInt8(id.count))
      return
    }
    guard id.count & 1 == 0, let words = Self.hex(base, id.count) else { return nil }
    self.init(words: words, count: id.count / 2, form: Self.hexForm)
  }

  init(words: (UInt64, UInt64), count: Int, form: UInt8) {
    self.words = words
    self.count = count
    self.form = form
  }

  /// Whether a header's second byte marks a packed id.
  @inline(__always)
  static func isPacked(_ form: UInt8) -> Bool { form & 0x80 != 0 }

  /// Writes the text of a packed id (`stored`: its stored bytes, `form`: its header's second
  /// byte) into `text`, which holds at least `maximumTextLength` bytes; returns its length.
  static func unpack(
    _ stored: UnsafeRawBufferPointer, form: UInt8, into text: UnsafeMutableBufferPointer<UInt8>
  ) -> Int {
    let digits: StaticString = "0123456789abcdef"
    let hexDigit = { (value: UInt8) in digits.utf8Start[Int(value & 0xF)] }
    switch form & 0xE0 {
    case decimalForm:
      var value: UInt64 = 0
      for index in 0..<stored.count { value |= UInt64(stored[index]) << (8 * UInt64(index)) }
      let length = Int(form & 0x1F)
      for index in stride(from: length - 1, through: 0, by: -1) {
        text[index] = UInt8(ascii: "0") + UInt8(value % 10)
        value /= 10
      }
      return length
    case hexForm:
      for index in 0..<stored.count {
        text[2 * index] = hexDigit(stored[index] >> 4)
        text[2 * index + 1] = hexDigit(stored[index])
      }
      return 2 * stored.count
    default:
      unpackUUID(stored, into: text)
      return 36
    }
  }

  // MARK: - Decimal and hex

  /// The value of 1...19 ASCII digits, or nil when any byte is not one.
  @inline(__always)
  private static func decimal(_ base: UnsafePointer<UInt8>, _ count: Int) -> UInt64? {
    var value: UInt64 = 0
    for index in 0..<count {
      let digit = base[index] &- UInt8(ascii: "0")
      guard digit < 10 else { return nil }
      value = value &* 10 &+ UInt64(digit)
    }
    return value
  }

  /// Lower-case hex digits, two a byte (the first digit in the high half), or nil. Eight
  /// digits at a time (`hexDigits`), then the rest one by one.
  @inline(__always)
  private static func hex(_ base: UnsafePointer<UInt8>, _ count: Int) -> (UInt64, UInt64)? {
    var words: (UInt64, UInt64) = (0, 0)
    let raw = UnsafeRawPointer(base)
    var index = 0
    while count - index >= 8 {
      let (value, valid) = hexDigits(
        UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
      guard valid else { return nil }
      // The first digit is the value's highest: byte-swapped, it is the lowest byte stored.
      let bytes = UInt64(value.byteSwapped) << (index % 16 == 0 ? 0 : 32)
      if index < 16 { words.0 |= bytes } else { words.1 |= bytes }
      index += 8
    }
    while index < count {
      let byte = base[index]
      let value: UInt8
      if byte &- UInt8(ascii: "0") < 10 {
        value = byte &- UInt8(ascii: "0")
      } else if byte &- UInt8(ascii: "a") < 6 {
        value = byte &- UInt8(ascii: "a") &+ 10
      } else {
        return nil
      }
      let shift = UInt64((index / 2 % 8) * 8 + (index & 1 == 0 ? 4 : 0))
      if index < 16 { words.0 |= UInt64(value) << shift } else { words.1 |= UInt64(value) << shift }
      index += 1
    }
    return words
  }

  // MARK: - UUIDs
  //
  // Most anonymous ids are UUIDs written as 36 lower-case characters (analytics.js); any other
  // spelling (upper case, braces) is stored as written.

  /// The 16 bytes of a canonical lower-case UUID, or nil for any other id. Every look-up of a
  /// 36-byte id asks, so the hex digits are read eight at a time (`hexDigits`).
  @inline(__always)
  static func uuid(_ id: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
    guard id.count == 36, let base = id.baseAddress else { return nil }
    let dash = UInt8(ascii: "-")
    guard base[8] == dash, base[13] == dash, base[18] == dash, base[23] == dash else {
      return nil
    }
    let raw = UnsafeRawPointer(base)
    func word(_ offset: Int) -> UInt64 {
      UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    func halves(_ first: Int, _ second: Int) -> UInt64 {
      let low = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: first, as: UInt32.self))
      let high = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: second, as: UInt32.self))
      return UInt64(low) | UInt64(high) << 32
    }
    // 8-4-4-4-12 digits: 0..<8, then 9..<13 with 14..<18, 19..<23 with 24..<28, then 28..<36.
    let (a, aValid) = hexDigits(word(0))
    let (b, bValid) = hexDigits(halves(9, 14))
    let (c, cValid) = hexDigits(halves(19, 24))
    let (d, dValid) = hexDigits(word(28))
    guard aValid && bValid && cValid && dValid else { return nil }
    return (UInt64(a) << 32 | UInt64(b), UInt64(c) << 32 | UInt64(d))
  }

  /// Eight lower-case hex digits (the first in the lowest byte) as a 32-bit number, the first
  /// digit most significant; false when any byte is not `0-9a-f`. Branch-free, on all eight
  /// bytes at once (SWAR).
  @inline(__always)
  static func hexDigits(_ word: UInt64) -> (UInt32, Bool) {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highBits: UInt64 = 0x8080_8080_8080_8080
    // With every byte below 0x80, adding (0x80 - k) to each byte sets its high bit exactly
    // when the byte is at least k, and no byte carries into the next.
    let ascii = word & highBits == 0
    let atLeast0 = (word &+ ones &* (0x80 - 0x30)) & highBits
    let above9 = (word &+ ones &* (0x80 - 0x3A)) & highBits
    let atLeastA = (word &+ ones &* (0x80 - 0x61)) & highBits
    let aboveF = (word &+ ones &* (0x80 - 0x67)) & highBits
    let digit = atLeast0 & ~above9
    let letter = atLeastA & ~aboveF
    let valid = ascii && (digit | letter) == highBits
    // '0'...'9' are 0x30...0x39, 'a'...'f' are 0x61...0x66: the low nibble, plus 9 for letters.
    var nibbles = (word & (ones &* 0x0F)) &+ (letter >> 7) &* 9
    // Pairs of digits into bytes (first digit high), then the four bytes in reading order.
    nibbles = ((nibbles & 0x00FF_00FF_00FF_00FF) << 4) | ((nibbles >> 8) & 0x00FF_00FF_00FF_00FF)
    let value =
      UInt32(truncatingIfNeeded: nibbles & 0xFF) << 24
      | UInt32(truncatingIfNeeded: (nibbles >> 16) & 0xFF) << 16
      | UInt32(truncatingIfNeeded: (nibbles >> 32) & 0xFF) << 8
      | UInt32(truncatingIfNeeded: (nibbles >> 48) & 0xFF)
    return (value, valid)
  }

  private static func unpackUUID(
    _ packed: UnsafeRawBufferPointer, into text: UnsafeMutableBufferPointer<UInt8>
  ) {
    let words = (
      packed.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
      packed.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
    )
    let digits: StaticString = "0123456789abcdef"
    var nibble = 0
    for index in 0..<36 {
      if index == 8 || index == 13 || index == 18 || index == 23 {
        text[index] = UInt8(ascii: "-")
        continue
      }
      let word = nibble < 16 ? words.0 : words.1
      let shift = UInt64(60 - 4 * (nibble % 16))
      text[index] = digits.utf8Start[Int((word >> shift) & 0xF)]
      nibble += 1
    }
  }
}
