/// The requests that write one person's merged values, in order.
///
/// Today a plan has one step, Attio's assert. Safe writes will make it find → update or
/// create: a query, then a PATCH or a POST chosen by the query's answer. The lane keeps its
/// person busy for the whole plan (no other write for that person can interleave), each step
/// is paced like any request, and a retry starts the plan over; so a new step is a new case
/// here and in `advance`, not a change to the scheduler.
struct WritePlan: Sendable, Equatable {
  enum Step: Sendable, Equatable {
    /// `PUT /v2/objects/people/records?matching_attribute=SLUG`.
    case assert
  }

  private(set) var step = Step.assert

  /// The current step's request for `values`.
  func request(for values: UpsertRequest) -> TransportRequest {
    switch step {
    case .assert:
      TransportRequest(
        method: "PUT", path: AttioEndpoint.assertPersonPath(matchingSlug: values.emailSlug),
        body: values.body)
    }
  }

  /// A 2xx answer to the current step came: true when the person is written, false when the
  /// plan moved on to a next step (to send at once, in the same lane).
  mutating func advance(after response: AttioResponse) -> Bool {
    switch step {
    case .assert: true
    }
  }

  /// A retry begins from the first step.
  mutating func restart() {
    step = .assert
  }
}
