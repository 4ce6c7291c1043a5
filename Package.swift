// swift-tools-version: 6.1
import PackageDescription

// Every library target gets these.
//
// Dynamic exclusivity checks cost 6% of the instructions per event (callgrind: the scanner's
// and the output's class-held buffers, one check per access). Release builds drop them;
// debug builds, which the tests run, keep them to catch overlapping accesses (the static
// checks stay in both).
//
// Cross-module optimisation does not help across the targets: it serialises public functions
// only (`-package-cmo` needs library evolution), and what crosses here is `package`. The few
// per-event calls from AttioPipeCommands into AttioPipeCore are `@inlinable` instead, on
// `@usableFromInline` types (without that, a `package` type's inlinable members are not
// inlined): PerTrait, ReasonCounts, ScannedValue, ScannedLine.Kind, ProfileTrait.allCases,
// ProfileSlot, TraitChanges, ByteWriter. Callgrind, `build` on 100,000 events: before the
// split 771.1M instructions (mixed) and 916.5M (identify-heavy); split, none inlinable,
// 828.8M and 981.6M (+7%; `-cross-module-optimization` changed nothing); now 768.9M and
// 919.3M (-0.3%, +0.3%).
//
// MemberImportVisibility (SE-0444): a file sees the members and extensions of the modules it
// imports itself, not of whatever another file imported, so its imports say which layers it
// uses.
let librarySettings: [SwiftSetting] = [
  .enableUpcomingFeature("MemberImportVisibility"),
  .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
  name: "attio-pipe",
  products: [
    .executable(name: "attio-pipe", targets: ["attio-pipe"])
  ],
  targets: [
    // The library is three targets along its layers (README.md, "Development"), so that the
    // compiler refuses an upward import; LayerTests checks the order of the folders inside
    // each. What crosses a target is `package`; what the executable uses is `public`, the
    // only thing it can see (`packageAccess: false`).
    //
    // Support, State, Input, Identity, Mapping: events in, values out. No networking.
    .target(name: "AttioPipeCore", swiftSettings: librarySettings),
    // libcurl's easy interface, for the delivery transport (see CurlTransport.swift). Loaded
    // at run time by its runtime name (Sources/CCurl/ccurl.c), so that no development
    // package is needed to build and `build` never maps it.
    .target(name: "CCurl"),
    // Delivery, Spool: requests to Attio and the durable spool in front of them.
    .target(
      name: "AttioPipeDelivery", dependencies: ["AttioPipeCore", "CCurl"],
      swiftSettings: librarySettings),
    // Output, Pipeline, Commands, CLI: the commands (build, deliver, send, check), wired from
    // the pieces below, and the command line that chooses one.
    .target(
      name: "AttioPipeCommands", dependencies: ["AttioPipeCore", "AttioPipeDelivery"],
      swiftSettings: librarySettings),
    .executableTarget(
      name: "attio-pipe",
      dependencies: ["AttioPipeCommands", "AttioPipeCore"],
      packageAccess: false
    ),
    // Child processes, paths and the hostile-corpus generator, shared by both test targets.
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    // The pieces, in process.
    .testTarget(
      name: "AttioPipeCoreTests",
      dependencies: ["AttioPipeCore", "AttioPipeDelivery", "AttioPipeCommands", "TestSupport"]
    ),
    // The built binary, run as a user runs it, against fixtures and the mock Attio.
    .testTarget(
      name: "EndToEndTests",
      dependencies: ["attio-pipe", "AttioPipeCommands", "TestSupport"]
    ),
  ]
)
