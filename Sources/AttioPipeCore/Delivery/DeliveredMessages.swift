/// The message ids of events already delivered, so that a rerun of the same input (or an
/// overlapping one, as after a log rotation) sends nothing new. Segment and Datafly give each
/// event a unique `messageId` for exactly this purpose.
///
/// Bounded: beyond `capacity` ids the oldest are forgotten (a FIFO ring), so memory and the
/// state file stay flat on an endless stream.
struct DeliveredMessages: Sendable, Equatable {
  static let defaultCapacity = 1_000_000

  private var members: Set<String> = []
  private var order: [String] = []
  private var oldest = 0
  let capacity: Int

  init(capacity: Int = DeliveredMessages.defaultCapacity) {
    self.capacity = max(1, capacity)
  }

  func contains(_ messageId: String) -> Bool { members.contains(messageId) }

  /// Oldest first.
  var all: [String] { Array(order[oldest...] + order[..<oldest]) }

  mutating func insert(_ messageId: String) {
    guard members.insert(messageId).inserted else { return }
    if order.count < capacity {
      order.append(messageId)
    } else {
      members.remove(order[oldest])
      order[oldest] = messageId
      oldest = (oldest + 1) % capacity
    }
  }
}
