// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "attio-pipe",
  products: [
    .executable(name: "attio-pipe", targets: ["attio-pipe"])
  ],
  targets: [
    // libcurl's easy interface, for the delivery transport (see CurlTransport.swift). Linked
    // by its runtime name, so that no development package (libcurl.so) is needed.
    .target(name: "CCurl", linkerSettings: [.linkedLibrary(":libcurl.so.4")]),
    .target(
      name: "AttioPipeCore", dependencies: ["CCurl"],
      // Dynamic exclusivity checks cost 6% of the instructions per event (callgrind: the
      // scanner's and the output's class-held buffers, one check per access). Release builds
      // drop them; debug builds, which the tests run, keep them to catch overlapping accesses
      // (the static checks stay in both).
      swiftSettings: [
        .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
      ]),
    .executableTarget(
      name: "attio-pipe",
      dependencies: ["AttioPipeCore"]
    ),
    // Child processes, paths and the hostile-corpus generator, shared by both test targets.
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    // The pieces, in process.
    .testTarget(
      name: "AttioPipeCoreTests",
      dependencies: ["AttioPipeCore", "TestSupport"]
    ),
    // The built binary, run as a user runs it, against fixtures and the mock Attio.
    .testTarget(
      name: "EndToEndTests",
      dependencies: ["attio-pipe", "AttioPipeCore", "TestSupport"]
    ),
  ]
)
