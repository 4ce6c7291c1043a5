import TestSupport
import Testing

/// The gate that bounds how many binaries the end-to-end tests run at once.
@Suite(.timeLimit(.minutes(1))) struct ProcessGateTests {
  /// A test that holds a place and starts a second binary gets it at once: were it to wait,
  /// `width` such tests would wait for each other forever.
  @Test func anOwnerWithAPlaceIsNeverMadeToWait() async {
    let gate = ProcessGate(width: 1)
    await gate.enter(owner: "a")
    await gate.enter(owner: "a")  // would hang here
    let other = Task { await gate.enter(owner: "b") }
    await gate.leave(owner: "a")
    await gate.leave(owner: "a")
    await other.value  // handed over once both of a's places are back
    await gate.leave(owner: "b")
  }

  @Test func othersWaitTheirTurnInOrder() async {
    let gate = ProcessGate(width: 1)
    await gate.enter(owner: "a")
    let order = Order()
    var waiters: [Task<Void, Never>] = []
    for name in ["b", "c", "d"] {
      waiters.append(
        Task {
          await gate.enter(owner: name)
          await order.append(name)
          await gate.leave(owner: name)
        })
      // Each waiter is queued before the next one starts.
      while await gate.waitingCount < waiters.count { await Task.yield() }
    }
    #expect(await order.names.isEmpty)
    await gate.leave(owner: "a")
    for waiter in waiters { await waiter.value }
    #expect(await order.names == ["b", "c", "d"])
  }
}

private actor Order {
  var names: [String] = []
  func append(_ name: String) { names.append(name) }
}
