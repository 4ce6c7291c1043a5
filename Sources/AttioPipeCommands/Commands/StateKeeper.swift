import AttioPipeCore
import AttioPipeDelivery

/// `--state FILE` for a run: loads the file at start, saves it every `--state-interval`
/// seconds and at exit, and soon after the first change that follows a quiet spell (see
/// `noteChange`). Sections a mode does not own (delivery's for `build`, identity's for `send`)
/// are written back as they were loaded.
final class StateKeeper {
  struct Options: Sendable, Equatable {
    var path: String
    var interval = 30.0
    /// `--reset-state`: start over, ignoring (and then replacing) what the file holds.
    var reset = false
  }

  /// How to rebuild the identity store while the file streams by; nil keeps the section's
  /// bytes as they are (`send`, which does not own it).
  struct IdentityRestore {
    var capacity: Int
    var timeToLive: UInt32?
  }

  /// How soon the first change after a quiet spell is saved: long enough for the rest of a
  /// burst of events to ride along, short enough that a crash right after it loses little.
  static let firstChangeDelay = 1.0

  private let file: StateFile
  private let interval: Double
  private var nextSave: Double
  /// When the first change since the last save was noted (nil: none since).
  private var firstChange: Double?
  /// When the last save that held a noted change was made (at start: never).
  private var lastChangeSave = -Double.infinity
  private(set) var loaded: StateFile.Contents
  private var restored: IdentityStore?
  private var restoredSeen: SeenMessages?
  private let diagnostics: DiagnosticReporter
  /// Successful saves, for `--metrics-file`.
  private(set) var saves = 0

  init(_ options: Options, diagnostics: DiagnosticReporter, identity: IdentityRestore?)
    throws(StateFileError)
  {
    file = StateFile(path: options.path)
    interval = options.interval
    nextSave = monotonicSeconds() + options.interval
    self.diagnostics = diagnostics
    loaded = StateFile.Contents()
    try file.checkSavable()
    guard !options.reset else { return }
    var restored: (store: IdentityStore, seen: SeenMessages)?
    var rawIdentity: [UInt8] = []
    let now = UInt32(wallClock())
    let contents = try file.load { reader, length throws(StateFileError) in
      if let identity {
        restored = try IdentitySection.decode(
          from: &reader, length: length, capacity: identity.capacity,
          timeToLive: identity.timeToLive, now: now)
      } else if reader.formatVersion < StateFile.version {
        // Written back under the current version, so in the current layout: rebuilt whole
        // (no capacity or time limit applies to a section this mode does not own).
        restored = try IdentitySection.decode(
          from: &reader, length: length, capacity: Int.max, timeToLive: nil, now: now)
      } else {
        rawIdentity = Array(try reader.raw(count: length))
      }
    }
    loaded.delivery = contents.delivery
    loaded.spool = contents.spool
    if contents.version < 4 && !contents.delivery.isEmpty {
      // Saved as version 4 whoever saves it (`build` writes the section back as loaded); the
      // messageIds it kept become seen messages.
      let old: (memory: PersonMemory, messages: [String])
      do {
        old = try DeliveredState.decode(contents.delivery, version: contents.version)
      } catch .corrupt(let detail, _) {
        throw .corrupt(detail, path: options.path)
      }
      loaded.delivery = DeliveredState.encode(old.memory)
      for message in old.messages { restored?.seen.insert(SeenMessages.hash(message)) }
    }
    if identity == nil, let restored {
      rawIdentity = IdentitySection.encode(restored.store, restored.seen)
    }
    loaded.identity = rawIdentity
    if identity != nil {
      self.restored = restored?.store
      restoredSeen = restored?.seen
    }
  }

  /// The keeper for `options`, or nil without `--state`; a file that cannot be used is a
  /// startup error.
  static func open(
    _ options: Options?, diagnostics: DiagnosticReporter, identity: IdentityRestore? = nil
  ) throws(PipelineError) -> StateKeeper? {
    guard let options else { return nil }
    do {
      return try StateKeeper(options, diagnostics: diagnostics, identity: identity)
    } catch {
      throw .state(error)
    }
  }

  /// Hands over the delivery section as loaded, to a mode that owns it (and saves its own):
  /// the keeper then holds no copy of it for the whole run.
  func takeDelivery() -> [UInt8] {
    defer { loaded.delivery = [] }
    return loaded.delivery
  }

  /// The identities (or the seen messages) changed. The first change after a quiet spell —
  /// at start, or when the last save with a change is an interval old — is saved
  /// `firstChangeDelay` later rather than at the next interval, so a crash soon after it does
  /// not lose it; a steady stream of changes is saved every interval, as before. Cheap after
  /// the first call since the last save (one comparison).
  func noteChange() {
    guard firstChange == nil else { return }
    let now = monotonicSeconds()
    firstChange = now
    nextSave = min(nextSave, max(now + StateKeeper.firstChangeDelay, lastChangeSave + interval))
  }

  /// Whether a save is due (see `noteChange`; at the latest an interval after the last save).
  var isSaveDue: Bool { monotonicSeconds() >= nextSave }

  /// Where the saved identities stand in the spool (`--spool`); nil when the file has no mark.
  var spoolMark: StateFile.SpoolMark? { StateFile.SpoolMark(loaded.spool) }

  /// Saves when it is due (or `now`). A failed periodic save is reported and retried at the
  /// next interval; the run goes on. True when a save succeeded.
  @discardableResult
  func saveIfDue(
    identity: () -> StateFile.Section?, delivery: () -> StateFile.Section?,
    spool: () -> StateFile.SpoolMark? = { nil }, now: Bool = false
  ) -> Bool {
    guard now || monotonicSeconds() >= nextSave else { return false }
    defer { nextSave = monotonicSeconds() + interval }
    do {
      try save(identity: identity(), delivery: delivery(), spool: spool())
      return true
    } catch {
      diagnostics.error(error.message)
      return false
    }
  }

  /// Hands over the identity store rebuilt from the file (nil when there was none); it is
  /// saved whole each time, so the keeper holds no copy.
  func takeIdentities() -> IdentityStore? {
    defer { restored = nil }
    return restored
  }

  /// Hands over the messageIds seen, as the file held them (nil when there was none).
  func takeSeenMessages() -> SeenMessages? {
    defer { restoredSeen = nil }
    return restoredSeen
  }

  /// Saves now (at exit); nil sections keep what was loaded. The spool mark is written only by
  /// a run with `--spool` (a run without one leaves the identities ahead of any spool).
  func save(
    identity: StateFile.Section?, delivery: StateFile.Section?, spool: StateFile.SpoolMark? = nil
  ) throws(StateFileError) {
    let changed = firstChange != nil
    try file.save(
      identity: identity ?? .bytes(loaded.identity), delivery: delivery ?? .bytes(loaded.delivery),
      spool: spool?.encoded ?? [])
    saves += 1
    if changed { lastChangeSave = monotonicSeconds() }
    firstChange = nil
  }
}
