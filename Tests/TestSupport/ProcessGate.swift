/// At most `width` holders at a time; the others wait their turn in order.
///
/// End-to-end tests are asynchronous, so Swift Testing could start all of them at once: a
/// hundred processes on two cores would make every timing-sensitive check (grace periods,
/// rate windows) a test of the machine's load. The gate keeps a few running; a test waiting
/// at it holds no thread, and a child's watchdog starts only when the child does.
public actor ProcessGate {
  private let width: Int
  private var holders = 0
  private var waiting: [CheckedContinuation<Void, Never>] = []

  public init(width: Int) {
    self.width = width
  }

  public func enter() async {
    if holders < width {
      holders += 1
      return
    }
    await withCheckedContinuation { waiting.append($0) }
  }

  /// Hands the place to the first waiter, if any.
  public func leave() {
    if waiting.isEmpty {
      holders -= 1
    } else {
      waiting.removeFirst().resume()
    }
  }
}
