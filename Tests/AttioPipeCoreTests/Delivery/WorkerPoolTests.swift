import Foundation
import Synchronization
import TestSupport
import Testing

@testable import AttioPipeCore
@testable import AttioPipeDelivery

/// The threads CurlTransport's requests run on. Waits are bounded generously (they only keep
/// a broken pool from hanging the run) and happen on threads of their own (`blocking`).
@Suite struct WorkerPoolTests {
  @Test func requestsOneAfterAnotherReuseOneThread() async {
    let pool = WorkerPool(size: 2, name: "test")
    let done = DispatchSemaphore(value: 0)
    let ran = await blocking {
      var ran = 0
      for _ in 0..<20 {
        pool.run { done.signal() }
        guard done.wait(timeout: .now() + 60) == .success else { break }
        ran += 1
      }
      return ran
    }
    #expect(ran == 20)
    // A thread per request would have started twenty. (Two, not one: a request may come
    // while the thread that ran the last one is not yet back waiting.)
    #expect(pool.threadCount <= 2)
    pool.close()
  }

  @Test func atMostSizeRunAtOnceAndEveryItemRunsOnce() async {
    let pool = WorkerPool(size: 3, name: "test")
    let running = Atomic<Int>(0)
    let most = Atomic<Int>(0)
    let runs = LockedValue<[Int]>([])
    let finished = DispatchSemaphore(value: 0)
    let allRan = await blocking {
      for item in 0..<60 {
        pool.run {
          let now = running.add(1, ordering: .sequentiallyConsistent).newValue
          _ = most.max(now, ordering: .sequentiallyConsistent)
          usleep(200)
          runs.withLock { $0.append(item) }
          running.subtract(1, ordering: .sequentiallyConsistent)
          finished.signal()
        }
      }
      return (0..<60).allSatisfy { _ in finished.wait(timeout: .now() + 60) == .success }
    }
    #expect(allRan)
    #expect(runs.withLock { $0.sorted() } == Array(0..<60))
    #expect(most.load(ordering: .sequentiallyConsistent) <= 3)
    #expect(pool.threadCount <= 3)
    pool.close()
  }

  /// As many requests in flight as the pool's size each get a thread at once: none waits
  /// behind another (each holds its thread until all of them are running).
  @Test func sizeRequestsRunTogether() async {
    let pool = WorkerPool(size: 3, name: "test")
    let started = DispatchSemaphore(value: 0)
    let go = DispatchSemaphore(value: 0)
    let finished = DispatchSemaphore(value: 0)
    let together = await blocking {
      for _ in 0..<3 {
        pool.run {
          started.signal()
          _ = go.wait(timeout: .now() + 60)
          finished.signal()
        }
      }
      let all = (0..<3).allSatisfy { _ in started.wait(timeout: .now() + 60) == .success }
      for _ in 0..<3 { go.signal() }
      for _ in 0..<3 { _ = finished.wait(timeout: .now() + 60) }
      return all
    }
    #expect(together)
    #expect(pool.threadCount == 3)
    pool.close()
  }

  @Test func workWaitingForAThreadRunsInTheOrderHandedOver() async {
    let pool = WorkerPool(size: 1, name: "test")
    let release = DispatchSemaphore(value: 0)
    let order = LockedValue<[Int]>([])
    let finished = DispatchSemaphore(value: 0)
    await blocking {
      pool.run { _ = release.wait(timeout: .now() + 60) }
      for item in 0..<10 {
        pool.run {
          order.withLock { $0.append(item) }
          finished.signal()
        }
      }
      release.signal()
      for _ in 0..<10 { _ = finished.wait(timeout: .now() + 60) }
    }
    #expect(order.withLock { $0 } == Array(0..<10))
    pool.close()
  }

  @Test func closedThreadsEndAfterTheirWork() async {
    let pool = WorkerPool(size: 2, name: "test")
    let finished = DispatchSemaphore(value: 0)
    let ended = await blocking {
      pool.run { finished.signal() }
      pool.run { finished.signal() }
      for _ in 0..<2 { _ = finished.wait(timeout: .now() + 60) }
      pool.close()
      // Bounded: the threads end as soon as they see the pool closed.
      for _ in 0..<6000 where pool.threadCount > 0 { usleep(10_000) }
      // Work handed over after the close still runs (a completion is never lost).
      pool.run { finished.signal() }
      return finished.wait(timeout: .now() + 60) == .success && pool.threadCount == 0
    }
    #expect(ended)
  }
}
