import Glibc

/// A mutex with one condition variable, for the few places where a thread must sleep until
/// another changes shared state (the spool's durable end, its room): `Mutex` has no wait.
package final class ConditionLock: @unchecked Sendable {
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

  package init() {
    pthread_mutex_init(mutex, nil)
    var attributes = pthread_condattr_t()
    pthread_condattr_init(&attributes)
    // Timed waits measure on the monotonic clock: a wall-clock step must not stretch them.
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
    pthread_cond_init(condition, &attributes)
    pthread_condattr_destroy(&attributes)
  }

  deinit {
    pthread_cond_destroy(condition)
    pthread_mutex_destroy(mutex)
    condition.deallocate()
    mutex.deallocate()
  }

  package func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body()
  }

  /// Sleeps (the lock held by the caller, released while asleep) until signalled or until
  /// `seconds` have passed; spurious wake-ups happen, so callers wait in a loop.
  package func wait(seconds: Double? = nil) {
    guard let seconds else {
      pthread_cond_wait(condition, mutex)
      return
    }
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    let total = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 + max(seconds, 0)
    var deadline = timespec()
    deadline.tv_sec = Int(total)
    deadline.tv_nsec = Int((total - Double(Int(total))) * 1e9)
    pthread_cond_timedwait(condition, mutex, &deadline)
  }

  /// Wakes every waiter (call with the lock held, or just after changing the state under it).
  package func broadcast() {
    pthread_cond_broadcast(condition)
  }
}
