import AttioPipeCore
import Dispatch

/// A timer armed on the delivery queue; cancelling it after it fired does nothing.
package struct DeliveryTimer: Sendable {
  private let cancelAction: @Sendable () -> Void

  init(cancel: @escaping @Sendable () -> Void) { cancelAction = cancel }

  func cancel() { cancelAction() }
}

/// Time as the delivery scheduler sees it, injected so that tests can drive it (a fake
/// clock fires timers only when the test advances it).
package protocol DeliveryClock: Sendable {
  /// Monotonic seconds, for intervals and deadlines (the signal handler's clock).
  func now() -> Double
  /// Seconds since the epoch, to read HTTP dates.
  func wallNow() -> Double
  /// Runs `action` on `queue` once `now()` has reached `time`.
  func schedule(
    at time: Double, on queue: DispatchQueue, _ action: @escaping @Sendable () -> Void
  ) -> DeliveryTimer
}

/// The process's clocks and libdispatch timers.
struct SystemDeliveryClock: DeliveryClock {
  func now() -> Double { monotonicSeconds() }
  func wallNow() -> Double { wallClock() }

  func schedule(
    at time: Double, on queue: DispatchQueue, _ action: @escaping @Sendable () -> Void
  ) -> DeliveryTimer {
    let item = DispatchWorkItem(block: action)
    let delay = max(0, time - now())
    queue.asyncAfter(deadline: .now() + .nanoseconds(Int(min(delay, 1e9) * 1e9) + 1), execute: item)
    nonisolated(unsafe) let cancellable = item
    return DeliveryTimer { cancellable.cancel() }
  }
}
