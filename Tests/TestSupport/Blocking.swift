import Foundation

/// Runs `body` on a thread of its own and suspends the calling task until it returns.
///
/// Swift Testing runs tests on the cooperative thread pool, which has one thread per core (two
/// here). A test that waits for a child process, a pipe or a sleep on a pool thread takes that
/// thread from every other test, and then their time limits measure the queue instead of
/// their own work. Everything in the test support that can block goes through here.
public func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
  try await withCheckedThrowingContinuation { continuation in
    let thread = Thread { continuation.resume(with: Result { try body() }) }
    thread.stackSize = 1 << 20
    thread.start()
  }
}

/// The non-throwing form of `blocking(_:)`.
public func blocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
  await withCheckedContinuation { continuation in
    let thread = Thread { continuation.resume(returning: body()) }
    thread.stackSize = 1 << 20
    thread.start()
  }
}
