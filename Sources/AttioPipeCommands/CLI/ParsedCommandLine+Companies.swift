import AttioPipeCore

extension ParsedCommandLine {
  /// `--companies` and its `--map-company` mappings, checked: a mapping needs `--companies`,
  /// reads a group trait (`traits.NAME`), and may not write `domains` or `name` (the company
  /// mapping writes them) or a slug twice.
  func companySettings() throws(UsageError) -> CompanySettings? {
    guard companies else {
      if let first = companyMappings.first {
        throw UsageError(
          "--map-company \(first.source)=\(first.slug) needs --companies (group calls are "
            + "skipped without it)")
      }
      return nil
    }
    var settings = CompanySettings()
    for (source, slug) in companyMappings {
      let prefix = "traits."
      guard source.hasPrefix(prefix), source.count > prefix.count else {
        throw UsageError(
          "--map-company \(source)=\(slug): SOURCE must be a group trait, traits.NAME "
            + "(e.g. traits.industry)")
      }
      guard slug != CompanyValues.domainsSlug, slug != CompanyValues.nameSlug else {
        throw UsageError(
          "--map-company \(source)=\(slug): '\(slug)' is written by --companies itself "
            + "(from traits.domain/website and traits.name)")
      }
      guard !settings.mappings.contains(where: { $0.slug == slug }) else {
        throw UsageError("--map-company: the slug '\(slug)' is given twice")
      }
      settings.mappings.append(
        CompanyAttributeMapping(trait: String(source.dropFirst(prefix.count)), slug: slug))
    }
    return settings
  }
}
