import Foundation
import TestSupport
import Testing

/// libcurl is loaded when a mode first needs to reach Attio, not at start: `build` never maps
/// it, nor the two dozen libraries it brings (about 5 MB of resident pages of every process
/// before). The delivery tests show that the modes that need it still load it.
@Suite struct LibcurlLoadingTests {
  @Test func buildNeverMapsLibcurl() async throws {
    let child = try await BinaryRunner.start(["build"])
    await child.write(Data(Events.identify("v0", email: "p0@example.com", name: "P 0").utf8))
    // A body came out: the process is past its start and has done an event's work.
    #expect(await child.readLine() != nil)
    // Read to the end: a /proc file says it is empty, and a read by its size stops early.
    let file = try #require(FileHandle(forReadingAtPath: "/proc/\(child.processIdentifier)/maps"))
    let maps = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
    try file.close()
    child.closeInput()
    _ = await child.finish()
    #expect(!maps.contains("libcurl"), "\(maps)")
    #expect(maps.contains("libc.so"), "the maps were read from the wrong process")
  }
}
