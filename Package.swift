// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "attio-pipe",
  products: [
    .executable(name: "attio-pipe", targets: ["attio-pipe"])
  ],
  targets: [
    // libcurl's easy interface, for the delivery transport (see CurlTransport.swift).
    .systemLibrary(name: "CCurl"),
    .target(name: "AttioPipeCore", dependencies: ["CCurl"]),
    .executableTarget(
      name: "attio-pipe",
      dependencies: ["AttioPipeCore"]
    ),
    .testTarget(
      name: "AttioPipeCoreTests",
      dependencies: ["AttioPipeCore", "attio-pipe"]
    ),
  ]
)
