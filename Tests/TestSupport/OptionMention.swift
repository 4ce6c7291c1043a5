extension String {
  /// Whether the text names `option` in code: a backtick, the option, then a character that
  /// cannot continue an option's name. "`--map-company`" does not name `--map`, nor
  /// "`--state-interval`" `--state`; "`--map SOURCE=SLUG`", "`--state=FILE`" and "`--state`" do.
  public func namesOption(_ option: String) -> Bool {
    var rest = self[...]
    while let found = rest.range(of: "`" + option) {
      guard let next = rest[found.upperBound...].first else { return true }
      if !(next.isLetter || next.isNumber || next == "-" || next == "_") { return true }
      rest = rest[found.upperBound...]
    }
    return false
  }
}
