import TestSupport
import Testing

@testable import AttioPipeCore

struct ProbeGeometryTests {
  /// Every hash lands in the table, the extremes at its two ends, and the homes spread over
  /// the whole table (a bad scaling would crowd them into a part of it).
  @Test(arguments: [1, 3, 16, 1000, 1_364_961])
  func homesCoverTheTable(capacity: Int) {
    let geometry = ProbeGeometry(capacity: capacity)
    #expect(geometry.home(0) == 0)
    #expect(geometry.home(.max) == capacity - 1)
    var random = SeededRandom(seed: UInt64(capacity))
    var lowHalf = 0
    for _ in 0..<10_000 {
      let home = geometry.home(UInt32(truncatingIfNeeded: random.next()))
      #expect(home >= 0 && home < capacity)
      if home < capacity / 2 { lowHalf += 1 }
    }
    if capacity >= 16 { #expect(lowHalf > 4_500 && lowHalf < 5_500) }
  }

  @Test func probingWrapsAndDistancesCountForwards() {
    let geometry = ProbeGeometry(capacity: 10)
    #expect(geometry.next(3) == 4)
    #expect(geometry.next(9) == 0)
    #expect(geometry.distance(from: 3, to: 3) == 0)
    #expect(geometry.distance(from: 3, to: 7) == 4)
    #expect(geometry.distance(from: 8, to: 1) == 3)
  }

  /// A table sized for a count holds it within 3/4, and growing keeps every load between 1/2
  /// and 3/4: a million keys take about 1.36 million slots, not 2²¹.
  @Test func sizesKeepTheLoadBetweenAHalfAndThreeQuarters() {
    var geometry = ProbeGeometry(holding: 0)
    for count in 1...2_000_000 where count > geometry.limit {
      geometry = geometry.grown
      #expect(count <= geometry.limit)
      #expect(Double(count) / Double(geometry.capacity) >= 0.49)
    }
    #expect(ProbeGeometry(holding: 1_000_000).capacity < 1_400_000)
    #expect(ProbeGeometry(holding: 1_000_000).limit >= 1_000_000)
  }
}
