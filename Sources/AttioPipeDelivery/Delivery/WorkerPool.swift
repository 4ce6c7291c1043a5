import Foundation

/// A fixed number of threads that run blocking work, one item at a time each, in the order it
/// was handed over: what `CurlTransport` runs `curl_easy_perform` on.
///
/// Threads start when work needs them, up to `size`, and then stay (idle ones wait on a
/// condition, costing nothing) until `close`. With `size` at `--concurrency`, which the
/// scheduler never exceeds, a request does not wait for a thread, and no thread is started
/// per request.
final class WorkerPool: @unchecked Sendable {
  private let size: Int
  private let name: String
  private let stackSize: Int
  /// Guards everything below.
  private let condition = NSCondition()
  private var pending: [@Sendable () -> Void] = []
  private var threads = 0
  /// Threads waiting for work.
  private var idle = 0
  private var closed = false

  init(size: Int, name: String, stackSize: Int = 1 << 20) {
    self.size = max(1, size)
    self.name = name
    self.stackSize = stackSize
  }

  /// Threads started so far (for the tests).
  var threadCount: Int { condition.withLock { threads } }

  /// Runs `work` on a worker: a waiting one, a new one while there are fewer than `size`, or
  /// else the first to finish. After `close`, on a thread of its own (it still runs).
  func run(_ work: @escaping @Sendable () -> Void) {
    condition.lock()
    guard !closed else {
      condition.unlock()
      Thread.detachNewThread(work)
      return
    }
    pending.append(work)
    // Each waiting thread takes one item when it wakes: start one more when they are too few.
    let start = pending.count > idle && threads < size
    if start { threads += 1 }
    condition.signal()
    condition.unlock()
    if start {
      let thread = Thread { [self] in serve() }
      thread.name = name
      thread.stackSize = stackSize
      thread.start()
    }
  }

  /// Lets the threads end once the work handed over is done.
  func close() {
    condition.withLock {
      closed = true
      condition.broadcast()
    }
  }

  /// A worker's life: take the oldest item, run it, wait when there is none, end once closed.
  private func serve() {
    condition.lock()
    while true {
      while pending.isEmpty && !closed {
        idle += 1
        condition.wait()
        idle -= 1
      }
      guard !pending.isEmpty else { break }
      let item = pending.removeFirst()
      condition.unlock()
      item()
      condition.lock()
    }
    threads -= 1
    condition.unlock()
  }
}
