/// At most `width` holders at a time; the others wait their turn in order.
///
/// End-to-end tests are asynchronous, so Swift Testing could start all of them at once: a
/// hundred processes on two cores would make every timing-sensitive check (grace periods,
/// rate windows) a test of the machine's load. The gate keeps a few running; a test waiting
/// at it holds no thread, and a child's watchdog starts only when the child does.
///
/// A place is held per process, but counted per owner (the test): an owner that already holds
/// a place gets more at once, over the width. Otherwise tests that run two binaries together
/// (`build | send`, partitions, a kill and its restart) could each hold a place and wait for a
/// second one that only another of them could give back: with `width` of them, none would
/// ever move again (seen in CI under ThreadSanitizer, where runs are slow enough to overlap).
public actor ProcessGate {
  private let width: Int
  private var holders = 0
  private var placesByOwner: [String: Int] = [:]
  private var waiting: [(owner: String?, continuation: CheckedContinuation<Void, Never>)] = []

  public init(width: Int) {
    self.width = width
  }

  /// Waits for a place for `owner` (nil: an owner of its own, always waits its turn).
  public func enter(owner: String?) async {
    if holders < width || owner.map({ placesByOwner[$0, default: 0] > 0 }) == true {
      take(owner)
      return
    }
    await withCheckedContinuation { waiting.append((owner, $0)) }
  }

  /// Gives back one of `owner`'s places, handing it to the first waiter, if any.
  public func leave(owner: String?) {
    holders -= 1
    if let owner {
      placesByOwner[owner, default: 1] -= 1
      if placesByOwner[owner] == 0 { placesByOwner[owner] = nil }
    }
    while holders < width, !waiting.isEmpty {
      let next = waiting.removeFirst()
      take(next.owner)
      next.continuation.resume()
    }
  }

  /// How many wait for a place (for the gate's own tests).
  public var waitingCount: Int { waiting.count }

  private func take(_ owner: String?) {
    holders += 1
    if let owner { placesByOwner[owner, default: 0] += 1 }
  }
}
