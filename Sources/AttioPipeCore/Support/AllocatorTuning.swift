import Glibc

/// Process-wide settings of glibc's allocator, applied once at start by the executable.
public enum AllocatorTuning {
  /// Blocks at least this large are mapped on their own (`mmap`) and unmapped when freed.
  static let mmapThreshold: Int32 = 256 * 1024

  /// Fixes the allocator's mmap threshold. Why: glibc raises it each time a large mapped
  /// block is freed (up to 32 MiB), so once a growing table has been outgrown once, its
  /// later copies (the identity index, the ids' arena, the recency links, all grown by
  /// doubling or by half) come from the heap, and every outgrown copy stays resident there as
  /// a hole nothing else fills. A fixed threshold keeps them mapped and gives them back when
  /// they are outgrown: 13 MB less at a million visitors (measured with
  /// `scripts/measure_id_shapes.py`), for a page fault per 4 KiB of a new large block.
  public static func apply() {
    mallopt(mmapThresholdParameter, mmapThreshold)
  }

  /// One allocator arena for all threads, for the modes that send to Attio. Why: glibc gives
  /// each thread that meets a busy arena one of its own (up to eight per core), and delivery's
  /// threads (the queue, the transfers, the input) each kept a few megabytes of freed memory
  /// resident in theirs: 4 MiB less at a million people (`scripts/measure_delivery_memory.py`).
  /// Not for `build`, whose two threads allocate on the hot path: there the shared lock cost
  /// about 4% of the run.
  package static func useOneArena() {
    mallopt(arenaMaximumParameter, 1)
  }

  /// `mallopt` is declared in <malloc.h>, which the Glibc module does not import: found by
  /// name instead (always there with glibc; nothing happens without it).
  private static func mallopt(_ parameter: Int32, _ value: Int32) {
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    _ = unsafeBitCast(symbol, to: Mallopt.self)(parameter, value)
  }

  /// `M_MMAP_THRESHOLD` and `M_ARENA_MAX` in <malloc.h>.
  private static let mmapThresholdParameter: Int32 = -3
  private static let arenaMaximumParameter: Int32 = -8
}
