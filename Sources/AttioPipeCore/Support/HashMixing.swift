/// A 64-bit finaliser (xor-shift and multiply, after MurmurHash3's and SplitMix's): every bit
/// of the result depends on every bit of `value`. The identity index and delivery's person
/// memory hash their keys a word at a time through it.
@inlinable @inline(__always)
package func mixBits(_ value: UInt64) -> UInt64 {
  var value = value
  value ^= value >> 32
  value &*= 0xD6E8_FEB8_6659_FD93
  value ^= value >> 29
  value &*= 0x9E37_79B9_7F4A_7C15
  value ^= value >> 32
  return value
}

/// `hash` with `bytes` mixed in eight at a time (little-endian words), then the last few with
/// their count: the loop of the identity index's and the person memory's key hashes.
@inlinable @inline(__always)
package func mixBytes(_ bytes: UnsafeRawBufferPointer, into hash: UInt64) -> UInt64 {
  var hash = hash
  var index = 0
  while bytes.count - index >= 8 {
    hash = mixBits(
      hash ^ UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
    index += 8
  }
  var tail: UInt64 = 0
  var shift: UInt64 = 0
  while index < bytes.count {
    tail |= UInt64(bytes[index]) << shift
    shift += 8
    index += 1
  }
  return mixBits(hash ^ tail ^ (shift << 56))
}
