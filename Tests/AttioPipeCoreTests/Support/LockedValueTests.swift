import Foundation
import TestSupport
import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

@Suite struct LockedValueTests {
  /// Four threads, released together, add to one counter through read-modify-write closures
  /// whose read and write are apart: with a lock that works no increment is lost; without
  /// one, tens of thousands are (checked by taking the lock out).
  @Test func noIncrementIsLostAcrossThreads() async {
    let counter = LockedValue(0)
    let threads = 4
    let perThread = 50_000
    let total = await blocking { () -> Int in
      let start = DispatchSemaphore(value: 0)
      let done = DispatchGroup()
      for _ in 0..<threads {
        done.enter()
        Thread {
          start.wait()
          for _ in 0..<perThread {
            counter.withLock { value in
              let read = value
              var spin = 0
              for step in 0..<8 { spin &+= step }
              value = read + 1 + spin - 28
            }
          }
          done.leave()
        }.start()
      }
      for _ in 0..<threads { start.signal() }
      done.wait()
      return counter.withLock { $0 }
    }
    #expect(total == threads * perThread)
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
