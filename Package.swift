// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "attio-pipe",
  products: [
    .executable(name: "attio-pipe", targets: ["attio-pipe"])
  ],
  targets: [
    .target(name: "AttioPipeCore"),
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
