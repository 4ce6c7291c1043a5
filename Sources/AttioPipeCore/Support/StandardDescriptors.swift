import Glibc

/// Descriptors 0, 1 and 2 are open before the process opens anything else.
///
/// A process started with one of them closed (`attio-pipe deliver <&-`, a careless
/// supervisor) would get that number for its first `open` or `pipe`: the signal pipe became
/// stdin, so the run waited forever on its own wake-up pipe and then read its signal byte as
/// an input line. Daemons guard against this by opening `/dev/null` onto the closed ones;
/// so does this, first thing in `main`. A closed stdin then reads as empty input, and a closed
/// stdout or stderr discards what is written there.
public enum StandardDescriptors {
  /// Opens `/dev/null` onto each of 0, 1, 2 that is closed (read-only for stdin, write-only
  /// for the others). Must run before anything opens a descriptor.
  public static func openClosedOnes() {
    for descriptor: Int32 in 0...2 where fcntl(descriptor, F_GETFD) < 0 && errno == EBADF {
      let opened = open("/dev/null", descriptor == STDIN_FILENO ? O_RDONLY : O_WRONLY)
      // The lowest free number is taken, which is this one: the lower ones are open by now.
      guard opened >= 0, opened != descriptor else { continue }
      _ = dup2(opened, descriptor)
      _ = close(opened)
    }
  }
}
