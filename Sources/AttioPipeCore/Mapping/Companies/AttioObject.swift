/// The Attio object a request writes: people (the tool's main job) or companies (from
/// `group` calls under `--companies`). The raw values are Attio's object slugs, which are
/// also the `object` marker of company bodies and result lines.
package enum AttioObject: String, Sendable, Equatable {
  case people
  case companies
}
