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
    // `mallopt` is declared in <malloc.h>, which the Glibc module does not import: found
    // by name instead (always there with glibc; nothing happens without it).
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    _ = unsafeBitCast(symbol, to: Mallopt.self)(mmapThresholdParameter, mmapThreshold)
  }

  /// `M_MMAP_THRESHOLD` in <malloc.h>.
  private static let mmapThresholdParameter: Int32 = -3
}
