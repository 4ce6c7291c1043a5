import Testing

@testable import AttioPipeCommands
@testable import AttioPipeCore
@testable import AttioPipeDelivery

@Suite struct CommandLineParserTests {
  private let environment = ["ATTIO_API_KEY": "test-token", "ATTIO_BASE_URL": "http://127.0.0.1:9"]

  func parse(_ arguments: [String]) throws(UsageError) -> Invocation.Action {
    var parser = CommandLineParser(arguments, environment: environment)
    return try parser.parseAction()
  }

  func usageError(_ arguments: [String]) -> String? {
    do {
      _ = try parse(arguments)
      return nil
    } catch {
      return error.message
    }
  }

  private func buildOptions(_ arguments: [String]) throws -> EventOptions {
    guard case .build(let options) = try parse(arguments) else {
      Issue.record("not a build: \(arguments)")
      return EventOptions()
    }
    return options
  }

  @Test func defaultsToBuildWithStdin() throws {
    let options = try buildOptions([])
    #expect(options == EventOptions())
  }

  @Test func valuesTakeBothSpellingsAndFilesKeepTheirOrder() throws {
    let options = try buildOptions([
      "a.ndjson", "--max-line-bytes", "100", "-", "--events=Signed Up, Logged In", "--", "--b",
    ])
    #expect(options.inputs == ["a.ndjson", "-", "--b"])
    #expect(options.maximumLineLength == 100)
    #expect(options.enabledEvents == EventNameSet(["Signed Up", "Logged In"]))
  }

  @Test func aliasesAndFlags() throws {
    let options = try buildOptions(["-v", "--strict", "--no-progress"])
    #expect(options.verbosity == .verbose)
    #expect(options.strict)
    #expect(options.progress == false)
    #expect(try buildOptions(["-q", "--progress"]).verbosity == .quiet)
    #expect(try buildOptions(["--progress"]).progress == true)
  }

  @Test func helpAndVersionAnswerAtOnce() throws {
    guard case .help = try parse(["deliver", "--rate", "1", "-h", "--bogus"]) else {
      Issue.record("not help")
      return
    }
    guard case .version = try parse(["-V"]) else {
      Issue.record("not version")
      return
    }
  }

  @Test func stateOptions() throws {
    let options = try buildOptions([
      "--state", "s.bin", "--state-interval", "1m30s", "--reset-state", "--identity-ttl", "0",
      "--max-identities", "5",
    ])
    #expect(options.state == StateKeeper.Options(path: "s.bin", interval: 90, reset: true))
    #expect(options.identityTimeToLive == nil)
    #expect(options.identityCapacity == 5)
  }

  @Test func deliveryOptionsReachTheSettings() throws {
    guard
      case .deliver(_, let settings) = try parse([
        "deliver", "--rate", "12.5", "--concurrency", "3", "--timeout", "2s", "--max-attempts",
        "4", "--max-retry-time", "1h", "--grace", "500ms", "--no-dedupe",
      ])
    else {
      Issue.record("not deliver")
      return
    }
    #expect(settings.scheduler.rate == 12.5)
    #expect(settings.scheduler.concurrency == 3)
    #expect(settings.scheduler.timeout == 2)
    #expect(settings.scheduler.maxAttempts == 4)
    #expect(settings.scheduler.maxRetryTime == 3600)
    #expect(settings.grace == 0.5)
    #expect(!settings.scheduler.dedupe)
  }

  /// Each usage error names what was wrong, so a test cannot pass on an unrelated error.
  @Test(arguments: [
    (["--bogus"], "unknown option '--bogus'"),
    (["--stat", "x"], "did you mean '--state'?"),
    (["--events"], "--events needs a value"),
    (["--strict=yes"], "--strict takes no value"),
    (["--max-line-bytes", "0"], "--max-line-bytes needs a positive whole number, not '0'"),
    (["--max-line-bytes", "2000000000"], "--max-line-bytes is at most"),
    (["build", "--rate", "5"], "'build' does not take --rate"),
    (["send", "--events", "x"], "'send' does not take --events"),
    (["check", "f.ndjson"], "'check' reads no input files"),
    (["-q", "-v"], "--quiet and --verbose cannot be combined"),
    (["--reset-state"], "--reset-state needs --state FILE"),
    (["--default-country", "XX"], "unsupported --default-country 'XX'"),
    (["--default-country", "UK"], "unsupported --default-country 'UK' (did you mean GB?)"),
    (["--attribute", "job_title"], "--attribute needs NAME=SLUG"),
    (["--attribute", "nickname=nick"], "unknown attribute 'nickname'"),
    (["deliver", "--grace", "soon"], "--grace needs a duration"),
    (["deliver", "--timeout", "0"], "--timeout needs a duration"),
    (["delivr"], "unknown mode 'delivr' (and no such file); did you mean 'deliver'?"),
    (["chek"], "did you mean 'check'?"),
  ])
  func usageErrorsNameTheirCause(_ arguments: [String], _ expected: String) {
    let message = usageError(arguments)
    #expect(message?.contains(expected) == true, "\(arguments): \(message ?? "no error")")
  }

  @Test func durationErrorsListEveryUnit() {
    let message = usageError(["deliver", "--grace", "2w"]) ?? ""
    for unit in ["500ms", "30s", "5m", "1h", "2d", "2m30s"] {
      #expect(message.contains(unit), "\(message) lacks \(unit)")
    }
  }

  @Test func attributeRenamesApply() throws {
    let options = try buildOptions(["--attribute", "job_title=role", "--attribute=name = full"])
    #expect(options.slugs[.jobTitle] == "role")
    #expect(options.slugs[.name] == "full")
    // The same rename twice is harmless.
    #expect(
      try buildOptions(["--attribute", "name=x", "--attribute", "name=x"]).slugs[.name] == "x")
  }

  @Test func anAttributeRenamedOntoAnothersSlugIsAUsageError() {
    let message = usageError(["--attribute", "job_title=name"]) ?? ""
    #expect(message.contains("--attribute job_title=name clashes with name"), "\(message)")
    let both = usageError(["--attribute", "job_title=x", "--attribute", "description=x"]) ?? ""
    #expect(both.contains("clashes with job_title"), "\(both)")
    // Swapping two slugs is fine: no slug is written twice.
    #expect(
      usageError(["--attribute", "job_title=description", "--attribute", "description=job_title"])
        == nil)
  }

  @Test func anAttributeRenamedTwiceDifferentlyIsAUsageError() {
    let message = usageError(["--attribute", "job_title=role", "--attribute", "job_title=title"])
    #expect(
      message == "--attribute job_title is given twice with different slugs ('role' and 'title')")
  }

  @Test func aMisspelledModeThatIsAFileIsReadAsOne() {
    // An existing file whose name looks like a mode stays an input file.
    #expect(CommandLineParser.misspelledMode("Package.swift") == nil)
    #expect(CommandLineParser.misspelledMode("/nonexistent/sned") == nil)
    #expect(CommandLineParser.misspelledMode("sned") == .send)
  }
}

@Suite struct CompanyOptionTests {
  private let parser = CommandLineParserTests()

  private func parse(_ arguments: [String]) throws(UsageError) -> Invocation.Action {
    try parser.parse(arguments)
  }

  private func usageError(_ arguments: [String]) -> String? {
    parser.usageError(arguments)
  }

  @Test func companiesTurnsTheCompanyMappingOn() throws {
    guard case .build(let options) = try parse(["--companies"]) else {
      Issue.record("not a build")
      return
    }
    #expect(options.companies == CompanySettings())
    #expect(options.processorConfiguration.companies == CompanySettings())
    guard case .build(let plain) = try parse([]) else { return }
    #expect(plain.companies == nil)
  }

  @Test func mapCompanyIsChecked() {
    #expect(
      usageError(["--map-company", "traits.industry=industry"])?.contains("needs --companies")
        == true)
    #expect(
      usageError(["--companies", "--map-company", "industry"])?.contains("SOURCE=SLUG") == true)
    #expect(
      usageError(["--companies", "--map-company", "properties.x=industry"])?.contains("traits.NAME")
        == true)
    #expect(
      usageError(["--companies", "--map-company", "traits.site=domains"])?.contains(
        "written by --companies")
        == true)
    #expect(
      usageError([
        "--companies", "--map-company", "traits.a=industry", "--map-company", "traits.b=industry",
      ])?.contains("given twice") == true)
  }

  /// Like `--map`, build converts by a saved schema: without one it says how to get it.
  @Test func buildNeedsASchemaForMappedCompanyAttributes() {
    #expect(
      usageError(["--companies", "--map-company", "traits.industry=industry"])?.contains(
        "check --save-schema FILE") == true)
  }

  @Test func aValidMappingReachesTheMapper() throws {
    guard
      case .build(let options) = try parse([
        "--companies", "--map-company", "traits.industry=industry", "--schema", "s",
      ])
    else { return }
    #expect(
      options.companies?.mappings == [CompanyAttributeMapping(trait: "industry", slug: "industry")])
  }
}
