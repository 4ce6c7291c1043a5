/// What has been upserted, per person: normalised email → attribute slug → the value's JSON
/// bytes. Delivery compares a request with it to report `unchanged` without sending, and
/// `--state` keeps it across runs.
typealias UpsertedValues = [String: [String: [UInt8]]]
