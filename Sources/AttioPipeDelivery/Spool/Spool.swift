import AttioPipeCore
import Glibc

// Design: the `--spool` directory, a write-ahead log of the run's input and of what became of it.
//
// Why: events wait inside attio-pipe for Attio's 25 writes a second, and a shipper that wrote
// them into the pipe has forgotten them. The spool takes ownership instead: every accepted line
// is made durable before anything depends on it, and only a final result lets it go.
//
// Storage: append-only segment files of our own (SpoolFormat.swift), not SQLite. What is needed
// is exactly an append-only log with a checksum per record and whole-file deletion, which is a
// few hundred lines; SQLite in WAL mode would add a B-tree, a second copy of every line (WAL and
// table), an index to maintain and a C API declared by hand (as for libcurl) for nothing we use.
// Measured (Documentation/Durability.md, scripts/benchmark_spool.py): ingest spools about
// 230 000 events (127 MB) a second with one `fdatasync` per read of input, which is about
// 9 000 times Attio's write rate; a restart reads back 100 000 spooled events in 0.12 s.
//
// Threads: the ingest thread (SpoolIngest) appends `line` records and commits them; the tail
// (SpoolTail) reads them back, only up to the durable end, for the pipeline; the consumer
// appends a `job` record for every eligible event before it queues the event's upsert; the
// results path (SpoolResults) writes each final result and then at once appends and commits
// its `done` record. That order matters for `kill -9`: the kernel keeps what a `write(2)` gave
// it, so a `done` written before its result would survive a process that died while
// `fdatasync` ran, and the result would be lost; this way the worst case is a result written
// twice (once more by the next run), in a window of two consecutive `write(2)` calls.
//
// Commits: appends go to one buffer under the lock; `commit` writes the buffer at once (still
// under the lock, so what a caller appended reaches the kernel immediately) and then
// `fdatasync`s without it; a caller whose bytes a sync under way covers waits for that sync
// instead of starting its own: group commit. The durable size of each segment, which the tail
// reads up to, advances only when a sync returns.
//
// Replay: a restart finds the jobs without a `done` record (sent again first, in their
// original order, from their records) and the lines after the position `--state` was saved at
// (processed again: those that already had a job only to rebuild identity, silently; the
// others as new). So the identity state ends as if the run had not been interrupted.
//
// Deletion: a segment other than the one being written goes when none of its jobs lacks a
// `done` and every line in it is below the released position (the one `--state` was last
// saved at, or, without `--state`, the consumer's), and only after every older one (a `done`
// must not go while its job record stays); with `--state`, only once a save followed the
// `done` of its last job (see `settledSegments`).

/// The spool directory of a run: its segments, what is durable, what is unfinished.
package final class Spool: @unchecked Sendable {
  package struct Options: Sendable, Equatable {
    var path: String
    package var maximumBytes = 1 << 30

    package init(path: String, maximumBytes: Int = 1 << 30) {
      self.path = path
      self.maximumBytes = maximumBytes
    }
  }

  /// A segment kept on disk.
  struct Segment {
    var number: UInt64
    var path: String
    var firstSequence: UInt64
    var lineCount: UInt64
    /// Bytes on disk that are durable (the whole file for a sealed segment).
    var size: Int
    var isSealed: Bool
  }

  /// What the directory held at start.
  package struct Recovery {
    /// Jobs without a final result, in their original order.
    package var unfinished: [(sequence: UInt64, job: DeliveryJob)] = []
    /// Lines at or above this had no job when the spool was last written: they are processed
    /// as new. Below it, a line had been processed already.
    package var processedBelow: UInt64 = 0
    /// The first line still on disk.
    package var firstLine: UInt64 = 0
    /// Lines on disk at start that have a job record (processed already, whatever its state).
    var linesWithJobs: Set<UInt64> = []
    /// The emails (company domains) of every job on disk at start, finished or not. A result
    /// that came after the last `--state` save may have changed what Attio holds without the
    /// delivery memory saved there knowing: that memory is not trusted for these.
    package var emailsWithJobs: Set<String> = []
    /// Bytes cut from the end of the last segment (a torn tail), for the diagnostics.
    package var tornBytes = 0
    package var tornPath: String?
  }

  let path: String
  let maximumBytes: Int
  package private(set) var spoolId: [UInt8] = []
  package private(set) var recovery = Recovery()

  private let lock = ConditionLock()
  private var segments: [Segment] = []
  private var current: Int32 = -1
  /// Bytes written to the current segment (its durable `size` trails them until a sync).
  private var currentWritten = 0
  private var pending: [UInt8] = []
  private var pendingLines: UInt64 = 0
  /// Jobs appended since the last write, and finished jobs whose `done` is not written yet.
  private var pendingJobs: [UInt64] = []
  private var pendingDone: [UInt64] = []
  /// What was written but is not durable yet, in order; applied when a sync covers it.
  private struct WrittenBatch {
    var end: Int
    var bytes: Int
    var lines: UInt64
    var jobs: [UInt64]
    var done: [UInt64]
    var segment: UInt64
  }
  private var written: [WrittenBatch] = []
  /// Bytes written, and bytes durable, since the run started.
  private var writtenTotal = 0
  private var syncedTotal = 0
  /// The highest mark an `fdatasync` under way will make durable, how many run, and whether
  /// a rotation waits for them (it closes the descriptor they sync).
  private var syncingMark = 0
  private var syncers = 0
  /// The next line's sequence number.
  package private(set) var nextSequence: UInt64 = 0
  /// Unfinished jobs by sequence: the segment their record is in.
  private var unfinished: [UInt64: UInt64] = [:]
  private var unfinishedPerSegment: [UInt64: Int] = [:]
  /// When each unfinished job was spooled (monotonic seconds), for the oldest one's age.
  private var unfinishedSince: [UInt64: Double] = [:]
  private var released: UInt64 = 0
  /// With `--state`: the segments that were sealed with every job done before the last save
  /// (see `settledSegments`); only those may go. Nil without `--state`.
  private var settled: Set<UInt64>?
  private var inputs: [SpoolInputRecord] = []
  /// Where each input left off: reference -> (offset, line number).
  private var inputEnds: [UInt32: (offset: Int, line: Int)] = [:]
  private var isInputFinished = false
  private var inputFailure: PipelineError?
  private var writeFailure: SpoolError?
  private let segmentLimit: Int
  private let lockDescriptor: Int32
  private let directoryDescriptor: Int32

  /// Counters for the summary and `--metrics-file`.
  package struct Counters: Sendable {
    package var linesSpooled = 0
    package var bytesSpooled = 0
    package var replayed = 0
    package var bytesOnDisk = 0
    package var unfinished = 0
    package var oldestUnfinishedAge: Double = 0
    var commits = 0
  }
  private var counters = Counters()

  /// Opens (creating it 0700 when missing; its parent must exist) and recovers the spool.
  package init(_ options: Options) throws(SpoolError) {
    path = options.path
    maximumBytes = options.maximumBytes
    segmentLimit = min(64 << 20, max(options.maximumBytes / 8, 64 << 10))
    var status = stat()
    if lstat(path, &status) != 0 {
      guard errno == ENOENT else { throw .directoryUnusable(path: path, errno: errno) }
      guard mkdir(path, 0o700) == 0 else { throw .directoryUnusable(path: path, errno: errno) }
    } else if (status.st_mode & S_IFMT) == S_IFLNK {
      guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else {
        throw .notADirectory(path: path)
      }
    } else if (status.st_mode & S_IFMT) != S_IFDIR {
      throw .notADirectory(path: path)
    }
    directoryDescriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard directoryDescriptor >= 0 else { throw .directoryUnusable(path: path, errno: errno) }
    let lockPath = path + "/lock"
    lockDescriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    // From here on every stored property is set, so a throw runs `deinit`, which closes the
    // descriptors: closing them here too would close whatever another thread opened under
    // the same numbers in between.
    guard lockDescriptor >= 0 else { throw .directoryUnusable(path: path, errno: errno) }
    guard flock(lockDescriptor, LOCK_EX | LOCK_NB) == 0 else { throw .inUse(path: path) }
    let foundId = try recover()
    spoolId = foundId ?? Spool.randomId()
    var startFailure: SpoolError?
    lock.withLock {
      do throws(SpoolError) {
        try startSegmentLocked()
      } catch {
        startFailure = error
      }
    }
    if let startFailure { throw startFailure }
  }

  deinit {
    if current >= 0 { close(current) }
    if lockDescriptor >= 0 { close(lockDescriptor) }
    close(directoryDescriptor)
  }

  // MARK: Recovery

  /// Reads every segment; returns the spool's id (nil for an empty directory).
  private func recover() throws(SpoolError) -> [UInt8]? {
    let numbers = try segmentNumbers()
    var spoolId: [UInt8]?
    var jobs: [UInt64: (segment: UInt64, job: DeliveryJob)] = [:]
    var order: [UInt64] = []
    var maximumJob: UInt64?
    for (index, number) in numbers.enumerated() {
      let segmentPath = path + "/" + SpoolFormat.segmentName(number)
      var reader = try SpoolSegmentReader(path: segmentPath)
      if index == numbers.count - 1, let length = reader.cutHeaderLength() {
        // A crash while the segment was being created: it holds no record, so it goes (left,
        // it would be taken for a foreign file once another segment follows it).
        guard unlink(segmentPath) == 0 else { throw .cannotWrite(path: segmentPath, errno: errno) }
        recovery.tornBytes = length
        recovery.tornPath = segmentPath
        break
      }
      let header = try reader.header()
      guard header.number == number else {
        throw .foreign(path: segmentPath, detail: "its header says segment \(header.number)")
      }
      if let spoolId, spoolId != header.spoolId {
        throw .foreign(path: segmentPath, detail: "it belongs to another spool")
      }
      spoolId = header.spoolId
      let isLast = index == numbers.count - 1
      let size = reader.fileSize
      var sequence = header.firstSequence
      if let last = segments.last, sequence < last.firstSequence + last.lineCount {
        throw .corrupt(
          path: segmentPath, offset: 0, detail: "its lines overlap the previous segment's")
      }
      scan: while true {
        let record: SpoolSegmentReader.Record?
        do {
          record = try reader.next(limit: size)
        } catch {
          // A crash leaves at most a cut last record (or zeros where the file system had
          // extended the file): that tail is cut off. Anything else is damage.
          let offset: Int
          var detail: String
          var isTornTail = false
          switch error {
          case .cut(let at):
            offset = at
            detail = "a record cut short"
            // A crash cuts only the last record: with whole records after it, it is its
            // length that is damaged.
            if reader.holdsWholeRecord(after: at, before: size) {
              detail = "a record whose length runs past the records after it"
            } else {
              isTornTail = true
            }
          case .bad(let at, let why):
            offset = at
            detail = why
          }
          guard isLast && (isTornTail || reader.isZero(from: offset, to: size)) else {
            throw .corrupt(path: segmentPath, offset: offset, detail: detail)
          }
          guard truncate(segmentPath, off_t(offset)) == 0 else {
            throw .cannotWrite(path: segmentPath, errno: errno)
          }
          recovery.tornBytes = size - offset
          recovery.tornPath = segmentPath
          break scan
        }
        guard let record else { break }
        switch record.kind {
        case .input:
          guard let input = SpoolInputRecord(payload: record.payload) else {
            throw .corrupt(path: segmentPath, offset: record.offset, detail: "bad input record")
          }
          if let index = inputs.firstIndex(where: { $0.reference == input.reference }) {
            inputs[index] = input
          } else {
            inputs.append(input)
          }
          if input.endLine > 0 { inputEnds[input.reference] = (input.endOffset, input.endLine) }
        case .line:
          guard let line = SpoolLineRecord(payload: record.payload) else {
            throw .corrupt(path: segmentPath, offset: record.offset, detail: "bad line record")
          }
          inputEnds[line.input] = (line.endOffset, line.lineNumber)
          sequence += 1
        case .job:
          var position = 0
          guard record.payload.count >= 8,
            case let jobSequence = SpoolFormat.integer(record.payload, &position) as UInt64,
            let job = DeliveryJob(spooled: UnsafeBufferPointer(rebasing: record.payload[8...]))
          else {
            throw .corrupt(path: segmentPath, offset: record.offset, detail: "bad job record")
          }
          if jobs[jobSequence] == nil { order.append(jobSequence) }
          jobs[jobSequence] = (number, job)
          recovery.linesWithJobs.insert(jobSequence)
          recovery.emailsWithJobs.insert(job.request.email)
          maximumJob = max(maximumJob ?? 0, jobSequence)
        case .done:
          var position = 0
          guard record.payload.count == 8 else {
            throw .corrupt(path: segmentPath, offset: record.offset, detail: "bad done record")
          }
          jobs[SpoolFormat.integer(record.payload, &position) as UInt64] = nil
        }
      }
      let size2 = reader.fileSize
      segments.append(
        Segment(
          number: number, path: segmentPath, firstSequence: header.firstSequence,
          lineCount: sequence - header.firstSequence, size: size2, isSealed: true))
      counters.bytesOnDisk += size2
    }
    let now = monotonicSeconds()
    for sequence in order {
      guard let (segment, job) = jobs[sequence] else { continue }
      recovery.unfinished.append((sequence, job))
      unfinished[sequence] = segment
      unfinishedPerSegment[segment, default: 0] += 1
      unfinishedSince[sequence] = now
    }
    if let last = segments.last {
      nextSequence = last.firstSequence + last.lineCount
    }
    recovery.firstLine = segments.first?.firstSequence ?? 0
    recovery.processedBelow = maximumJob.map { $0 + 1 } ?? recovery.firstLine
    counters.replayed = recovery.unfinished.count
    return spoolId
  }

  private func segmentNumbers() throws(SpoolError) -> [UInt64] {
    guard let directory = opendir(path) else {
      throw .directoryUnusable(path: path, errno: errno)
    }
    defer { closedir(directory) }
    var numbers: [UInt64] = []
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
      }
      if let number = SpoolFormat.segmentNumber(ofName: name) { numbers.append(number) }
    }
    return numbers.sorted()
  }

  private static func randomId() -> [UInt8] {
    var id = [UInt8](repeating: 0, count: 16)
    let random = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
    let got = random < 0 ? -1 : id.withUnsafeMutableBytes { read(random, $0.baseAddress, 16) }
    if random >= 0 { close(random) }
    if got != 16 {
      // No entropy source: the time and the process are unique enough for a local directory.
      var seed = UInt64(bitPattern: Int64(wallClock() * 1e6)) ^ UInt64(getpid()) << 32
      for index in 0..<16 {
        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        id[index] = UInt8(truncatingIfNeeded: seed >> 33)
      }
    }
    return id
  }

  // MARK: Writing

  /// Writes all of `bytes`; the errno when it cannot.
  private static func write(_ bytes: [UInt8], to descriptor: Int32) -> Int32? {
    bytes.withUnsafeBytes { raw -> Int32? in
      do throws(SystemCallError) {
        try SystemCall.writeAll(descriptor, raw)
        return nil
      } catch {
        return error.errno
      }
    }
  }

  /// Starts a new segment for appending (with the lock held; at start, or from `housekeep`
  /// once every sync is done and the current segment is durable).
  private func startSegmentLocked() throws(SpoolError) {
    let number = (segments.last?.number ?? 0) + 1
    let segmentPath = path + "/" + SpoolFormat.segmentName(number)
    let descriptor = open(segmentPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { throw .cannotWrite(path: segmentPath, errno: errno) }
    let first = nextSequence - pendingLines
    var bytes = SpoolFormat.encode(
      SpoolFormat.Header(spoolId: spoolId, number: number, firstSequence: first))
    // Each segment names the inputs again, with where their lines end so far, durable with its
    // header: deleting older segments (even at once, by the rotation that started this one)
    // then loses no name and no resume point.
    for var input in inputs {
      if let end = inputEnds[input.reference] {
        input.endOffset = end.offset
        input.endLine = end.line
      }
      SpoolFormat.appendRecord(.input, to: &bytes) { input.encode(into: &$0) }
    }
    if let code = Spool.write(bytes, to: descriptor) {
      close(descriptor)
      throw .cannotWrite(path: segmentPath, errno: code)
    }
    guard fdatasync(descriptor) == 0, fsync(directoryDescriptor) == 0 else {
      let code = errno
      close(descriptor)
      throw .cannotWrite(path: segmentPath, errno: code)
    }
    if current >= 0 {
      close(current)
      segments[segments.count - 1].isSealed = true
    }
    current = descriptor
    currentWritten = bytes.count
    segments.append(
      Segment(
        number: number, path: segmentPath, firstSequence: first, lineCount: 0,
        size: bytes.count, isSealed: false))
    counters.bytesOnDisk += bytes.count
  }

  /// Registers an input; its reference goes into each of its lines.
  func register(device: UInt64, inode: UInt64, isRegularFile: Bool, name: String?) -> UInt32 {
    lock.withLock {
      if isRegularFile,
        let known = inputs.first(where: {
          $0.isRegularFile && $0.device == device && $0.inode == inode && $0.name == name
        })
      {
        return known.reference
      }
      let reference = (inputs.map(\.reference).max() ?? 0) + 1
      let input = SpoolInputRecord(
        reference: reference, device: device, inode: inode, isRegularFile: isRegularFile,
        name: name)
      inputs.append(input)
      append(.input) { input.encode(into: &$0) }
      return reference
    }
  }

  /// Where the spool left a regular file (device and inode): the offset after its last
  /// spooled line, and that line's number; nil when it has none.
  func resumePoint(device: UInt64, inode: UInt64) -> (offset: Int, line: Int)? {
    lock.withLock {
      var best: (offset: Int, line: Int)?
      for input in inputs
      where input.isRegularFile && input.device == device && input.inode == inode {
        if let end = inputEnds[input.reference], end.offset > (best?.offset ?? -1) { best = end }
      }
      return best
    }
  }

  /// The name results give lines of input `reference`.
  func inputName(_ reference: Int) -> String? {
    lock.withLock { inputs.first { $0.reference == UInt32(truncatingIfNeeded: reference) }?.name }
  }

  /// Appends one line; returns its sequence number. Not durable until `commit`.
  @discardableResult
  func appendLine(
    input: UInt32, lineNumber: Int, endOffset: Int, bytes: UnsafeBufferPointer<UInt8>?,
    tooLongLength: Int = 0
  ) -> UInt64 {
    lock.withLock {
      let header = SpoolLineRecord(
        input: input, lineNumber: lineNumber, endOffset: endOffset, tooLongLength: tooLongLength)
      append(.line) {
        header.appendHeader(to: &$0)
        if let bytes { $0.append(contentsOf: bytes) }
      }
      inputEnds[input] = (endOffset, lineNumber)
      counters.linesSpooled += 1
      counters.bytesSpooled += bytes?.count ?? 0
      pendingLines += 1
      defer { nextSequence += 1 }
      return nextSequence
    }
  }

  /// Appends the job an eligible line made, before it is queued for delivery.
  package func appendJob(_ job: DeliveryJob, sequence: UInt64) {
    lock.withLock {
      append(.job) {
        SpoolFormat.append(sequence, to: &$0)
        job.encodeForSpool(into: &$0)
      }
      pendingJobs.append(sequence)
      unfinishedSince[sequence] = monotonicSeconds()
    }
  }

  /// Appends the `done` of a job whose final result is about to be written; the result may be
  /// written once a `commit` returns.
  func appendDone(sequence: UInt64) {
    lock.withLock {
      append(.done) { SpoolFormat.append(sequence, to: &$0) }
      pendingDone.append(sequence)
    }
  }

  /// Runs `writeResults` and then, at once, writes the `done` records of `sequences`, both
  /// under the lock, so that nothing (another thread's append, a rotation's `fdatasync`)
  /// comes between the two `write(2)` calls: a process that dies there reports those results
  /// again in the next run. Not durable until `commit`.
  func recordDone(_ sequences: [UInt64], after writeResults: () -> Void) {
    lock.withLock {
      writeResults()
      for sequence in sequences {
        append(.done) { SpoolFormat.append(sequence, to: &$0) }
        pendingDone.append(sequence)
      }
      writePendingLocked()
    }
  }

  private func append(_ kind: SpoolFormat.Kind, payload: (inout [UInt8]) -> Void) {
    SpoolFormat.appendRecord(kind, to: &pending, payload: payload)
  }

  /// Writes what is pending to the current segment (with the lock held): from here on a crash
  /// of the process no longer loses it (the kernel has it); a sync makes it survive the host.
  private func writePendingLocked() {
    guard !pending.isEmpty, writeFailure == nil else { return }
    if let code = Spool.write(pending, to: current) {
      writeFailure = .cannotWrite(path: segments[segments.count - 1].path, errno: code)
      return
    }
    writtenTotal += pending.count
    currentWritten += pending.count
    counters.bytesOnDisk += pending.count
    written.append(
      WrittenBatch(
        end: writtenTotal, bytes: pending.count, lines: pendingLines, jobs: pendingJobs,
        done: pendingDone, segment: segments[segments.count - 1].number))
    pending.removeAll(keepingCapacity: true)
    pendingLines = 0
    pendingJobs.removeAll(keepingCapacity: true)
    pendingDone.removeAll(keepingCapacity: true)
  }

  /// Takes note that everything written up to `mark` is durable (with the lock held).
  private func applySyncedLocked(upTo mark: Int) {
    guard mark > syncedTotal else { return }
    syncedTotal = mark
    var applied = 0
    for batch in written {
      guard batch.end <= mark else { break }
      applied += 1
      if let index = segments.firstIndex(where: { $0.number == batch.segment }) {
        segments[index].size += batch.bytes
        segments[index].lineCount += batch.lines
      }
      for sequence in batch.jobs where unfinished[sequence] == nil {
        unfinished[sequence] = batch.segment
        unfinishedPerSegment[batch.segment, default: 0] += 1
      }
      for sequence in batch.done {
        if let segment = unfinished.removeValue(forKey: sequence) {
          unfinishedPerSegment[segment, default: 1] -= 1
        }
        unfinishedSince[sequence] = nil
      }
    }
    written.removeFirst(applied)
    counters.commits += 1
    lock.broadcast()
  }

  /// Writes everything appended so far (`write(2)`, no sync): it then survives the process,
  /// not the host. Not visible to the pipeline before a `commit`.
  package func write() throws(SpoolError) {
    if let failure = lock.withLock({ () -> SpoolError? in
      writePendingLocked()
      return writeFailure
    }) {
      throw failure
    }
  }

  /// Writes everything appended so far and makes it durable (`fdatasync`). Writing happens at
  /// once under the lock (so what a caller appended reaches the kernel immediately); syncs
  /// overlap, and a caller whose bytes a sync under way already covers waits for that one:
  /// group commit. Then (with `housekeeping`) rotates to a new segment when the current one is
  /// full and deletes the segments no longer needed.
  package func commit(housekeeping: Bool = true) throws(SpoolError) {
    let sync: (mark: Int, descriptor: Int32)? = lock.withLock {
      writePendingLocked()
      let mark = writtenTotal
      while syncedTotal < mark && syncingMark >= mark && writeFailure == nil { lock.wait() }
      guard syncedTotal < mark, writeFailure == nil else { return nil }
      syncingMark = max(syncingMark, mark)
      syncers += 1
      return (mark, current)
    }
    if let sync {
      let failed = fdatasync(sync.descriptor) != 0
      let code = errno
      lock.withLock {
        syncers -= 1
        if failed {
          writeFailure = .cannotWrite(path: segments[segments.count - 1].path, errno: code)
        } else {
          applySyncedLocked(upTo: sync.mark)
        }
        lock.broadcast()
      }
    }
    if housekeeping { housekeep() }
    if let failure = lock.withLock({ writeFailure }) { throw failure }
  }

  /// Starts a new segment when the current one is full (or, `rotating`, whatever it holds),
  /// and deletes the segments nothing needs any more.
  package func housekeep(rotating: Bool = false) {
    lock.withLock {
      guard rotating || currentWritten >= segmentLimit, writeFailure == nil else { return }
      // The rotation closes the descriptor that syncs under way use: wait for them, then make
      // the segment durable before it is sealed.
      while syncers > 0 { lock.wait() }
      guard rotating || currentWritten >= segmentLimit, writeFailure == nil else { return }
      writePendingLocked()
      guard fdatasync(current) == 0 else {
        writeFailure = .cannotWrite(path: segments[segments.count - 1].path, errno: errno)
        lock.broadcast()
        return
      }
      applySyncedLocked(upTo: writtenTotal)
      do throws(SpoolError) {
        try startSegmentLocked()
      } catch {
        writeFailure = error
      }
      lock.broadcast()
    }
    collect()
  }

  /// Lines below `sequence` are no longer needed to rebuild identity (`--state` was saved
  /// there, or, without it, the consumer is past them): their segments may go. With `--state`,
  /// `settled` is what `settledSegments` said before that save.
  package func release(upTo sequence: UInt64, settled: Set<UInt64>? = nil) {
    let changed = lock.withLock {
      if let settled { self.settled = settled }
      guard sequence > released else { return settled != nil }
      released = sequence
      return true
    }
    guard changed else { return }
    // The jobs of the lines let go must be durable before the lines can be deleted: a restart
    // sends those jobs from their records, since it does not process the lines again.
    guard (try? commit(housekeeping: false)) != nil else { return }
    collect()
  }

  /// The sealed segments whose jobs are all done, asked just before a `--state` save: the
  /// delivery memory saved next includes their results. A segment whose last job is done only
  /// after the save stays until the next one, so that a restart finds the job's record and
  /// does not trust the saved memory of its person (`Recovery.emailsWithJobs`).
  package func settledSegments() -> Set<UInt64> {
    lock.withLock {
      Set(
        segments.filter { $0.isSealed && (unfinishedPerSegment[$0.number] ?? 0) == 0 }.map(
          \.number))
    }
  }

  /// Deletes the sealed segments nothing needs any more.
  private func collect() {
    let doomed: [Segment] = lock.withLock {
      // Oldest first, and none past one that must stay: a job's `done` lies after its job
      // record, so a later segment going while an older one stays could take the `done` of
      // a job whose record stays (the job would be sent and reported again).
      var doomed: [Segment] = []
      while let segment = segments.first, segment.isSealed,
        segment.firstSequence + segment.lineCount <= released,
        (unfinishedPerSegment[segment.number] ?? 0) == 0,
        settled?.contains(segment.number) ?? true
      {
        doomed.append(segments.removeFirst())
      }
      for segment in doomed {
        counters.bytesOnDisk -= segment.size
        unfinishedPerSegment[segment.number] = nil
      }
      return doomed
    }
    guard !doomed.isEmpty else { return }
    for segment in doomed { unlink(segment.path) }
    fsync(directoryDescriptor)
    lock.withLock { lock.broadcast() }
  }

  /// Waits while the spool holds `--spool-max-bytes` (back-pressure on the input), committing
  /// what is pending first so that the consumer can go on; returns early when `stopped`.
  /// `keepAlive` is called about once a second while it waits (`--omprog`: rsyslog restarts a
  /// program that answers nothing for `confirmTimeout`).
  func waitForRoom(stopped: () -> Bool, keepAlive: (() -> Void)? = nil) throws(SpoolError) {
    guard lock.withLock({ counters.bytesOnDisk + pending.count >= maximumBytes }) else { return }
    try commit()
    var lastSign = monotonicSeconds()
    while true {
      let full = lock.withLock {
        if counters.bytesOnDisk + pending.count >= maximumBytes && !stopped() {
          isWaitingForRoom = true
          lock.wait(seconds: 0.2)
        }
        let full = counters.bytesOnDisk + pending.count >= maximumBytes && !stopped()
        if !full { isWaitingForRoom = false }
        return full
      }
      guard full else { return }
      if let keepAlive, monotonicSeconds() - lastSign >= 1 {
        keepAlive()
        lastSign = monotonicSeconds()
      }
    }
  }

  /// Whether the input waits for room: the consumer should save `--state` (which releases
  /// lines) without waiting for the interval.
  private var isWaitingForRoom = false
  package var wantsRelease: Bool { lock.withLock { isWaitingForRoom } }

  // MARK: Input's end

  /// Waits (at most `timeout` seconds) until the ingest thread is done: at a stop, the bytes
  /// that were readable on a pipe are spooled before the process ends.
  package func waitUntilInputFinished(timeout: Double) {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    let deadline = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 + timeout
    lock.withLock {
      while !isInputFinished {
        clock_gettime(CLOCK_MONOTONIC, &now)
        let left = deadline - (Double(now.tv_sec) + Double(now.tv_nsec) / 1e9)
        guard left > 0 else { return }
        lock.wait(seconds: left)
      }
    }
  }

  /// The ingest thread is done (`failure`: why it stopped early).
  func finishInput(failure: PipelineError?) {
    lock.withLock {
      isInputFinished = true
      inputFailure = failure
      lock.broadcast()
    }
  }

  // MARK: Reading back

  /// The segment after `number` (the first one for nil), for the tail.
  func segment(after number: UInt64?) -> Segment? {
    lock.withLock { segments.first { $0.number > (number ?? 0) } }
  }

  /// How far segment `number` may be read (its durable bytes), whether it will grow no more
  /// (`sealed`; a deleted segment counts as sealed), and whether every line of the input is in
  /// (`inputEnded`, with `failure` when the input stopped on an error). With `wait`, first
  /// sleeps until the segment grows, is sealed, the input ends, or `timeout` passes.
  func readable(segment number: UInt64, wait: Bool, timeout: Double?) -> (
    limit: Int, sealed: Bool, inputEnded: Bool, failure: PipelineError?
  ) {
    lock.withLock {
      let initial = segments.first { $0.number == number }?.size ?? 0
      if wait, let segment = segments.first(where: { $0.number == number }), !segment.isSealed,
        !isInputFinished, writeFailure == nil, segment.size == initial
      {
        lock.wait(seconds: timeout)
      }
      guard let segment = segments.first(where: { $0.number == number }) else {
        return (0, true, isInputFinished, inputFailure)
      }
      let failure = inputFailure ?? writeFailure.map { PipelineError.spool($0.message) }
      return (segment.size, segment.isSealed, isInputFinished || writeFailure != nil, failure)
    }
  }

  // MARK: Counters

  package var statistics: Counters {
    lock.withLock {
      var counters = self.counters
      counters.unfinished =
        unfinished.count + pendingJobs.count + written.map(\.jobs.count).reduce(0, +)
      if let oldest = unfinishedSince.values.min() {
        counters.oldestUnfinishedAge = max(0, monotonicSeconds() - oldest)
      }
      return counters
    }
  }
}
