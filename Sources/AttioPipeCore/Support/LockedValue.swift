import Glibc

/// A value that several threads share, behind a pthread mutex.
///
/// Why not `Synchronization.Mutex`: on Linux its contended path takes the lock with a futex
/// inside the standard library (`FUTEX_LOCK_PI`, where the kernel hands the lock over), which
/// ThreadSanitizer does not see, so every contended hand-over is reported as a data race and
/// real races would drown among them. `pthread_mutex_lock` is understood by the sanitizers and
/// costs the same when uncontended, which every use here nearly always is (a batch of lines, a
/// request, a diagnostic: never a per-event lock).
package final class LockedValue<Value>: @unchecked Sendable {
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private var value: Value

  package init(_ value: Value) {
    self.value = value
    mutex = .allocate(capacity: 1)
    mutex.initialize(to: pthread_mutex_t())
    precondition(pthread_mutex_init(mutex, nil) == 0)
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deinitialize(count: 1)
    mutex.deallocate()
  }

  /// Runs `body` with the value while holding the lock.
  package func withLock<Result, Failure: Error>(
    _ body: (inout Value) throws(Failure) -> Result
  ) throws(Failure) -> Result {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body(&value)
  }
}
