import Foundation
import Testing

@testable import AttioPipeCore

@Suite struct LockedValueTests {
  /// Four threads add to one counter through read-modify-write closures: with a lock that
  /// works no increment is lost (without one, a few hundred thousand interleaved increments
  /// lose some on any machine with two cores).
  @Test func noIncrementIsLostAcrossThreads() {
    let counter = LockedValue(0)
    let perThread = 100_000
    DispatchQueue.concurrentPerform(iterations: 4) { _ in
      for _ in 0..<perThread {
        counter.withLock { value in
          let read = value
          value = read + 1
        }
      }
    }
    #expect(counter.withLock { $0 } == 4 * perThread)
  }

  @Test func theBodysErrorComesThroughTyped() {
    struct Refused: Error, Equatable {}
    let locked = LockedValue([1, 2])
    #expect(throws: Refused()) {
      try locked.withLock { (values: inout [Int]) throws(Refused) -> Void in
        values.append(3)
        throw Refused()
      }
    }
    // The change made before the throw stays, and the lock was released.
    #expect(locked.withLock { $0 } == [1, 2, 3])
  }
}
