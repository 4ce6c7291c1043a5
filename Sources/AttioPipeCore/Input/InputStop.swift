/// How a reader learns that the run is stopping. Passed in (the pipeline builds it from the
/// signal monitor), so input reading depends on no global.
///
/// A stop *request* (the first SIGINT/SIGTERM) ends the input gracefully: whatever is already
/// readable on a pipe, FIFO or socket is still read and handed on, without blocking, so the
/// events a log shipper had written before it sent the signal are accounted for. A
/// *cancellation* (a second signal, or a consumer that stopped) ends it at once.
package struct InputStop {
  /// Becomes readable when a stop request or cancellation arrives, so a blocking wait for input
  /// can never miss one; -1 for none.
  var wakeDescriptor: Int32 = -1
  package var requested: () -> Bool = { false }
  package var cancelled: () -> Bool = { false }

  package init(
    wakeDescriptor: Int32 = -1, requested: @escaping () -> Bool = { false },
    cancelled: @escaping () -> Bool = { false }
  ) {
    self.wakeDescriptor = wakeDescriptor
    self.requested = requested
    self.cancelled = cancelled
  }
}
