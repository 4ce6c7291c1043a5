/// Up to four values kept inline, never on the heap. One event names at most four ids
/// (`anonymousId`, `userId`, `previousId` and one more on a join), and the identity store
/// lists per event the ids, the profiles they name and the ids it adds: an array each would
/// be three allocations on every event.
struct InlineFour<Element> {
  private var storage: (Element?, Element?, Element?, Element?) = (nil, nil, nil, nil)
  private(set) var count = 0

  static var capacity: Int { 4 }

  subscript(index: Int) -> Element {
    switch index {
    case 0: storage.0!
    case 1: storage.1!
    case 2: storage.2!
    default: storage.3!
    }
  }

  mutating func append(_ element: Element) {
    precondition(count < Self.capacity)
    switch count {
    case 0: storage.0 = element
    case 1: storage.1 = element
    case 2: storage.2 = element
    default: storage.3 = element
    }
    count += 1
  }
}
