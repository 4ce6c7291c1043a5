import AttioPipeCore

extension MergePlanner {
  /// Whether the record already references the company a person's `company` value names by
  /// domain. A read shows references by record id only, so this is known only for companies
  /// whose write this run saw answered (`companyRecordIds`); otherwise the reference is sent
  /// again (it sets the same company: harmless, but a write).
  func holdsCompany(_ attribute: UpsertRequest.Attribute, _ current: [AttioRecord.Value]) -> Bool {
    guard attribute.slug == CompanyValues.personCompanySlug, current.count == 1,
      let held = current.first?.targetRecordID,
      let domain = RequestBodyParser.referencedDomain(in: attribute.value)
    else { return false }
    return companyRecordIds[domain] == held
  }
}
