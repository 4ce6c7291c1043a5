import AttioPipeCore
import Dispatch
import Synchronization

// Design: two stages on two threads, because a machine has at least two cores and reading
// is the bulk of the work.
//
//   reading thread:  read(2) -> split lines -> copy them into a LineBatch
//                    -> validate and resolve each (EventScanner) and check its own email and
//                       phone (MappingPrecheck), unless handed over raw
//   caller's thread: for each batch, in order: scan it if it came raw; then for each line:
//                    identity, mapping, output
//
// Scanning is shared so that both cores stay busy whichever stage is heavier: a stream of
// page views is nearly all scanning, one of new visitors nearly all identity and output. When
// a batch is full and the caller has nothing queued (it is idle, or about to be), the reading
// thread hands the batch over raw and the caller scans it; otherwise it scans it itself.
// The share settles where the queue stays short. Each batch is scanned by exactly one thread,
// before the caller reads it, so the order and the results are the same either way.
//
// Batches travel through a bounded queue (`BatchQueue`) and come back for reuse, so memory is
// fixed however long the stream: at most `batchesInFlight` batches of about `batchBytes` each.
// The reading thread sends a partial batch before each read that may block, and the caller's thread
// gets a chance to flush its output before it waits for a batch, so a line that arrives on a
// quiet `tail -F` is processed and its output written at once.
//
// Ordering is total: one producer, one consumer, FIFO. A consumer that stops (`--strict`,
// closed stdout) or a second signal ends the reading thread at its next line or read. The first
// signal ends it once the bytes readable at that moment are read (see `InputStop`); those
// lines reach the consumer marked `afterStop`. Whatever was read is still delivered unless
// the consumer itself stopped.
//
// While the input is idle, the consumer wakes every `idleInterval` to run `beforeWaiting`
// (which saves `--state` when due), so a quiet stream still gets its periodic saves.

/// Reads events on a `DispatchQueue.global()` task and hands them, scanned, to the caller in
/// input order.
struct EventPipeline {
  let inputs: InputFiles
  /// Where lines come from: the inputs, or (`--spool`) the spool they are written to first.
  var source: any LineSource
  let enabledEvents: EventNameSet
  /// `--signal count:NAME`: the counted track events (`EventScanner`).
  var countedEvents: [EventNameSet] = []
  /// `--signal`: the events' `timestamp`s are read.
  var readsTimestamps = false
  /// `--list-entry`: the events that make entries (`EventScanner`).
  var entryEvents: [EventNameSet] = []
  var batchBytes = 256 * 1024
  var batchesInFlight = 4
  /// How often `beforeWaiting` runs again while no batch arrives; nil: only once per wait.
  var idleInterval: Double?
  /// Which thread scans (tests pin each way; runs share the work).
  var scanning = ScanSharing.shared

  init(inputs: InputFiles, enabledEvents: EventNameSet, source: (any LineSource)? = nil) {
    self.inputs = inputs
    self.enabledEvents = enabledEvents
    self.source = source ?? inputs
  }

  enum ScanSharing: Sendable {
    /// Batches go raw when the consumer has none queued (see the design note).
    case shared
    case scannerThread
    case consumerThread
  }

  /// What the consumer is told about each line. Read in place from the batch: a
  /// `ScannedLine` is a few hundred bytes, and copying it (or making a file name's String for
  /// every line) was a measurable part of the consumer's time.
  struct Line {
    private let scannedLine: UnsafePointer<ScannedLine>
    var bytes: UnsafeBufferPointer<UInt8>
    /// Which input the line came from (`InputFiles` index), and its line number there.
    var input: Int
    var lineNumber: Int
    /// Read after the first stop signal: account for it, but do not act on it as usual
    /// (delivery reports it `not_sent`).
    var afterStop: Bool
    /// `--spool`: the line's sequence number there, and whether it was processed before a
    /// restart (it then only rebuilds identity).
    var sequence: UInt64
    var isReplay: Bool

    var scanned: ScannedLine {
      unsafeAddress { scannedLine }
    }

    fileprivate init(
      scanned: UnsafePointer<ScannedLine>, bytes: UnsafeBufferPointer<UInt8>,
      entry: LineBatch.Entry
    ) {
      scannedLine = scanned
      self.bytes = bytes
      input = entry.input
      lineNumber = entry.lineNumber
      afterStop = entry.afterStop
      sequence = entry.sequence
      isReplay = entry.isReplay
    }
  }

  /// Calls `consume` for every line of every input, in order, on the calling thread, until it
  /// returns false, the inputs end, or a stop signal arrives. `beforeWaiting` runs whenever the
  /// next batch is not ready yet (flush output there), and every `idleInterval` while it waits.
  func run(
    beforeWaiting: () throws(PipelineError) -> Void,
    consume: (Line) throws(PipelineError) -> Bool
  ) throws(PipelineError) {
    let queue = BatchQueue(capacity: batchesInFlight)
    let producer = Producer(
      inputs: inputs, source: source, enabledEvents: enabledEvents,
      countedEvents: countedEvents, entryEvents: entryEvents, readsTimestamps: readsTimestamps,
      queue: queue,
      batchBytes: batchBytes,
      scanning: scanning)
    DispatchQueue.global().async { producer.run() }
    defer { queue.cancel() }
    var scanner = EventScanner(
      enabledEvents: enabledEvents, countedEvents: countedEvents, entryEvents: entryEvents,
      readsTimestamp: readsTimestamps)
    while true {
      var waited = false
      let batch = try queue.pop(
        beforeWaiting: { () throws(PipelineError) in
          waited = true
          try beforeWaiting()
        }, idleInterval: idleInterval)
      if !batch.isScanned {
        LineBatch.scan(
          batch.entries, of: batch.bytes, into: &batch.scans, with: &scanner, inputs: inputs)
        batch.isScanned = true
      }
      var keepGoing = true
      try batch.bytes.withUnsafeBufferPointer { (bytes) throws(PipelineError) in
        try batch.scans.withUnsafeMutableBufferPointer { (scans) throws(PipelineError) in
          for (index, entry) in batch.entries.enumerated() {
            // The first line after a wait of unknown length: the identity clock must be read
            // again before it is processed (time to live).
            scans[index].followsWait = waited
            waited = false
            let line = Line(
              scanned: UnsafePointer(scans.baseAddress! + index),
              bytes: UnsafeBufferPointer(
                rebasing: bytes[entry.offset..<entry.offset + entry.length]),
              entry: entry)
            guard try consume(line) else {
              keepGoing = false
              return
            }
          }
        }
      }
      if let failure = batch.failure { throw failure }
      if batch.isLast || !keepGoing { return }
      queue.recycle(batch)
    }
  }
}

/// Lines with their bytes, handed from the scanner thread to the consumer. Owned by one thread
/// at a time: the queue's hand-over is the synchronisation.
final class LineBatch: @unchecked Sendable {
  struct Entry {
    var offset: Int
    var length: Int
    var lineNumber: Int
    var input: Int
    var afterStop: Bool
    var sequence: UInt64 = 0
    var isReplay = false
    /// The length of a line over the limit, whose bytes were not kept; nil for a line read.
    var tooLongLength: Int?
  }

  var bytes: [UInt8] = []
  var entries: [Entry] = []
  /// Each entry's scanned line, apart from the entries so that the consumer reads it in place.
  var scans: [ScannedLine] = []
  /// Whether `scans` holds every entry's line; a batch handed over raw is scanned by the
  /// consumer (see the design note above).
  var isScanned = false
  var failure: PipelineError?
  var isLast = false

  func reset() {
    // A batch that grew for a huge line gives the memory back.
    if bytes.capacity > 4 << 20 { bytes = [] } else { bytes.removeAll(keepingCapacity: true) }
    entries.removeAll(keepingCapacity: true)
    scans.removeAll(keepingCapacity: true)
    isScanned = false
  }

  /// Scans `entries` of `bytes` into `scans` (emptied first), on whichever thread holds them.
  static func scan(
    _ entries: [Entry], of bytes: [UInt8], into scans: inout [ScannedLine],
    with scanner: inout EventScanner, inputs: InputFiles
  ) {
    scans.removeAll(keepingCapacity: true)
    scans.reserveCapacity(entries.count)
    var scratch: [UInt8] = []
    scratch.reserveCapacity(32)
    bytes.withUnsafeBufferPointer { bytes in
      for entry in entries {
        if let length = entry.tooLongLength {
          var scanned = ScannedLine()
          scanned.kind = .invalid
          scanned.error = inputs.tooLongError(length: length)
          scans.append(scanned)
        } else {
          let line = UnsafeBufferPointer(
            rebasing: bytes[entry.offset..<entry.offset + entry.length])
          var scanned = scanner.scan(line)
          // What the mapping can know from the bytes alone, while this thread has the line.
          if scanned.isEnabled {
            MappingPrecheck.run(&scanned, line: line, scratch: &scratch)
          }
          scans.append(scanned)
        }
      }
    }
  }
}

/// The scanner thread's loop.
private final class Producer: Sendable {
  let inputs: InputFiles
  let source: any LineSource
  let enabledEvents: EventNameSet
  let countedEvents: [EventNameSet]
  let entryEvents: [EventNameSet]
  let readsTimestamps: Bool
  let queue: BatchQueue
  let batchBytes: Int

  let scanning: EventPipeline.ScanSharing

  init(
    inputs: InputFiles, source: any LineSource, enabledEvents: EventNameSet,
    countedEvents: [EventNameSet], entryEvents: [EventNameSet], readsTimestamps: Bool,
    queue: BatchQueue, batchBytes: Int,
    scanning: EventPipeline.ScanSharing
  ) {
    self.inputs = inputs
    self.source = source
    self.enabledEvents = enabledEvents
    self.countedEvents = countedEvents
    self.readsTimestamps = readsTimestamps
    self.entryEvents = entryEvents
    self.queue = queue
    self.batchBytes = batchBytes
    self.scanning = scanning
  }

  func run() {
    var scanner = EventScanner(
      enabledEvents: enabledEvents, countedEvents: countedEvents, entryEvents: entryEvents,
      readsTimestamp: readsTimestamps)
    var filling = FillingBatch(queue.freshBatch())
    let queue = self.queue
    let batchBytes = self.batchBytes
    let inputs = self.inputs
    let scanning = self.scanning
    do {
      try source.forEachLine(
        beforeRead: { () throws(PipelineError) in
          // The read may block: hand over what is read so far.
          if !filling.entries.isEmpty {
            filling.hand(to: queue, scanner: &scanner, inputs, scanning)
          }
        },
        idleInterval: nil, stop: SignalMonitor.inputStop(cancelled: { queue.isCancelled }),
        onLine: { line, position throws(PipelineError) in
          var entry = LineBatch.Entry(
            offset: filling.bytes.count, length: 0, lineNumber: position.line,
            input: position.input, afterStop: position.afterStop, sequence: position.sequence,
            isReplay: position.isReplay)
          switch line {
          case .text(let bytes):
            entry.length = bytes.count
            filling.bytes.append(contentsOf: bytes)
          case .tooLong(let length):
            entry.tooLongLength = length
          }
          filling.entries.append(entry)
          if filling.bytes.count >= batchBytes || filling.entries.count >= 4096 {
            filling.hand(to: queue, scanner: &scanner, inputs, scanning)
          }
          return !queue.isCancelled
        })
    } catch {
      filling.batch.failure = error
    }
    filling.batch.isLast = true
    filling.hand(to: queue, scanner: &scanner, inputs, scanning)
  }
}

/// The batch the scanner fills, its arrays held apart from the shared `LineBatch` while they
/// grow: appending to an array stored in a class costs a retain and a release per line (the
/// uniqueness check), appending to a local one does not.
private struct FillingBatch {
  var batch: LineBatch
  var bytes: [UInt8]
  var entries: [LineBatch.Entry]
  var scans: [ScannedLine]

  init(_ batch: LineBatch) {
    self.batch = batch
    bytes = []
    entries = []
    scans = []
    swapContents()
  }

  /// Scans the lines unless the consumer has nothing queued (it scans them itself then),
  /// moves the arrays into the batch, pushes it, and takes the next batch's (emptied) arrays.
  mutating func hand(
    to queue: BatchQueue, scanner: inout EventScanner, _ inputs: InputFiles,
    _ scanning: EventPipeline.ScanSharing
  ) {
    let scansHere =
      switch scanning {
      case .shared: queue.hasReadyBatches
      case .scannerThread: true
      case .consumerThread: false
      }
    if scansHere {
      LineBatch.scan(entries, of: bytes, into: &scans, with: &scanner, inputs: inputs)
      batch.isScanned = true
    }
    swapContents()
    let last = batch.isLast
    queue.push(batch)
    if last { return }
    batch = queue.freshBatch()
    swapContents()
  }

  private mutating func swapContents() {
    swap(&bytes, &batch.bytes)
    swap(&entries, &batch.entries)
    swap(&scans, &batch.scans)
  }
}

/// A bounded FIFO of batches between exactly one producer and one consumer, plus the pool of
/// batches coming back for reuse.
final class BatchQueue: Sendable {
  private struct State {
    var ready: [LineBatch] = []
    var spare: [LineBatch] = []
  }

  private let state = LockedValue(State())
  /// Counts batches ready for the consumer.
  private let filled = DispatchSemaphore(value: 0)
  /// Counts batches the producer may still fill: the bound on memory.
  private let room: DispatchSemaphore
  private let cancelled = Atomic<Bool>(false)

  init(capacity: Int) {
    // Created at zero and raised: libdispatch traps when a semaphore is freed below the value
    // it was created with, which a queue abandoned mid-stream (`--strict`) would be.
    room = DispatchSemaphore(value: 0)
    for _ in 0..<capacity { room.signal() }
  }

  var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

  /// Whether a batch waits for the consumer: it is busy, so the producer scans the next one.
  var hasReadyBatches: Bool { state.withLock { !$0.ready.isEmpty } }

  /// A batch to fill, once there is room for one more in flight.
  func freshBatch() -> LineBatch {
    room.wait()
    return state.withLock { $0.spare.popLast() } ?? LineBatch()
  }

  func push(_ batch: LineBatch) {
    state.withLock { $0.ready.append(batch) }
    filled.signal()
  }

  /// The next batch; `beforeWaiting` runs before a wait and every `idleInterval` during it.
  func pop(beforeWaiting: () throws(PipelineError) -> Void, idleInterval: Double? = nil)
    throws(PipelineError) -> LineBatch
  {
    if filled.wait(timeout: .now()) == .timedOut {
      try beforeWaiting()
      if let idleInterval {
        while filled.wait(timeout: .now() + idleInterval) == .timedOut { try beforeWaiting() }
      } else {
        filled.wait()
      }
    }
    return state.withLock { $0.ready.removeFirst() }
  }

  func recycle(_ batch: LineBatch) {
    batch.reset()
    state.withLock { $0.spare.append(batch) }
    room.signal()
  }

  /// The consumer stopped: the producer ends at its next line, read or batch.
  func cancel() {
    cancelled.store(true, ordering: .relaxed)
    room.signal()
  }
}
