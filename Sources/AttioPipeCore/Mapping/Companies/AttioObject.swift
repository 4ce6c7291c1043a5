/// The Attio object a request writes: people (the tool's main job), companies (from `group`
/// calls under `--companies`), users and workspaces (`--users`, `--workspaces`: accounts in
/// the product that sends the events). The raw values are Attio's object slugs, which are
/// also the `object` marker of body lines and result lines.
package enum AttioObject: String, Sendable, Equatable, CaseIterable {
  case people
  case companies
  case users
  case workspaces
}
