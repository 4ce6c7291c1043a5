/// Where keys live in an open-addressing table with linear probing, at any capacity (not only
/// a power of two): the home slot is the 32-bit hash scaled to the capacity (Lemire's
/// multiply-shift "fastrange", no division). Why: a power-of-two table holding a million keys
/// at a load of at most 3/4 must have 2²¹ slots (load 0.48); growing by half instead keeps the
/// load between 1/2 and 3/4, and a table that grows on the hot path pays one multiply for it.
package struct ProbeGeometry: Sendable {
  package let capacity: Int

  /// The most keys a table of `capacity` slots holds before it grows (3/4).
  package var limit: Int { capacity * 3 / 4 }

  package init(capacity: Int) {
    precondition(capacity > 0 && capacity <= Int(UInt32.max), "a table of \(capacity) slots")
    self.capacity = capacity
  }

  /// The smallest capacity (at least `minimum`, grown by halves from it) that holds `count`
  /// keys within the limit.
  package init(holding count: Int, minimum: Int = 16) {
    var capacity = max(minimum, 4)
    while capacity * 3 / 4 < count { capacity += capacity / 2 }
    self.init(capacity: capacity)
  }

  /// The next size up: half again as many slots.
  package var grown: ProbeGeometry { ProbeGeometry(capacity: capacity + capacity / 2) }

  @inline(__always)
  package func home(_ hash: UInt32) -> Int {
    Int(truncatingIfNeeded: (UInt64(hash) &* UInt64(truncatingIfNeeded: capacity)) >> 32)
  }

  @inline(__always)
  package func next(_ position: Int) -> Int {
    position + 1 == capacity ? 0 : position + 1
  }

  /// Slots from `start` forwards (wrapping) to `end`.
  @inline(__always)
  package func distance(from start: Int, to end: Int) -> Int {
    end >= start ? end - start : end + capacity - start
  }
}
