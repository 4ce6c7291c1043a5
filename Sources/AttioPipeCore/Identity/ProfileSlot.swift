/// A numbered place for one remembered value in a profile.
///
/// Slots 0...7 are the event traits (`ProfileTrait`'s raw values; 0...6 today), 8 the previous
/// email the store keeps itself. Numbers below 0x80 are free for more: a new remembered value is a new slot
/// number here (and, when events set it, a change the event processor makes), with no change
/// to the packed layout, the merge rule or the state file, which all work slot by slot.
///
/// Its per-event members are `@inlinable` for the event processor in AttioPipeCommands, so
/// what they touch is `@usableFromInline` rather than private (see Package.swift).
@usableFromInline
package struct ProfileSlot: Hashable, Sendable, Comparable {
  @usableFromInline let rawValue: UInt8

  init(rawValue: UInt8) {
    precondition(rawValue < ProfileSlot.limit)
    self.rawValue = rawValue
  }

  @inlinable
  package init(_ trait: ProfileTrait) {
    rawValue = UInt8(trait.rawValue)
  }

  @inlinable package static var email: ProfileSlot { ProfileSlot(.email) }
  static let firstName = ProfileSlot(.firstName)
  static let lastName = ProfileSlot(.lastName)
  static let name = ProfileSlot(.name)
  static let phone = ProfileSlot(.phone)
  static let jobTitle = ProfileSlot(.jobTitle)
  static let country = ProfileSlot(.country)

  /// The normalised email a profile had before an event changed it: merge-mode delivery
  /// finds the person's record by it instead of creating a second one. Slot 8, leaving 7 to
  /// the next event trait (the company domain of issue 10).
  package static let previousEmail = ProfileSlot(rawValue: 8)

  /// `--workspaces`: the `workspace_id`s a visitor joined (by `group` calls) before their user
  /// could be written (no `userId` or no email yet), NUL-separated, oldest first; the user's
  /// first write adds them and empties the slot (`PendingMemberships`).
  package static let pendingWorkspaces = ProfileSlot(rawValue: 10)

  /// `--signal`: the profile's signals as the state file keeps them (`ProfileSignals`); in a
  /// run with `--signal` the identity store keeps them beside the profile and writes this
  /// value only when saving.
  package static let signals = ProfileSlot(rawValue: 11)

  /// `--map traits.NAME`: the raw JSON text of the n-th mapped trait source, remembered like
  /// the event traits. Slots 16 and up.
  package static func mappedTrait(_ index: Int) -> ProfileSlot {
    ProfileSlot(rawValue: firstMappedTrait + UInt8(index))
  }

  static let firstMappedTrait: UInt8 = 16
  /// How many mapped traits a profile can remember.
  package static let mappedTraitLimit = Int(limit - firstMappedTrait)

  /// Slot numbers are below this (the packed layout uses the high bit for ids).
  static let limit: UInt8 = 0x80

  /// Whether many profiles tend to hold the same values here (names, titles, countries,
  /// company domains, mapped traits), so that the store keeps them once (`ValuePool`); not
  /// emails, phones and the store's own values.
  var isShared: Bool {
    switch trait {
    case .firstName, .lastName, .name, .jobTitle, .country, .companyDomain: true
    case .email, .phone: false
    case nil: rawValue >= Self.firstMappedTrait
    }
  }

  /// The ProfileTrait this slot holds, if it is one.
  var trait: ProfileTrait? { ProfileTrait(rawValue: Int(rawValue)) }

  @inlinable
  package static func < (left: ProfileSlot, right: ProfileSlot) -> Bool {
    left.rawValue < right.rawValue
  }
}
