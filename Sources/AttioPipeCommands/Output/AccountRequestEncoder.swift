import AttioPipeCore
import AttioPipeDelivery

// Design: how users and workspaces travel through `build`, `send` and `deliver`.
//
// A person's user and a group call's workspace are requests of their own, made after the
// record they follow (the person, the company): `build` prints each on its own line after
// that record's line, marked like company lines, and `deliver` sends them as the linked writes
// of the event's job (`UpsertRequest.linked`), one result per event:
//
//   {"object":"users","data":{"values":{"user_id":[{"value":"u-42"}],
//     "primary_email_address":[{"email_address":"ada@example.com"}],
//     "person":[{"target_object":"people","email_addresses":[{"email_address":"ada@example.com"}]}]}}}
//   {"object":"workspaces","data":{"values":{"workspace_id":[{"value":"ws-7"}],
//     "name":[{"value":"Acme"}],"company":[{"target_object":"companies","domains":[{"domain":"acme.com"}]}]}}}
//   {"object":"users","operation":"add","data":{"values":{"user_id":[{"value":"u-42"}],
//     "workspace":[{"target_object":"workspaces","workspace_id":[{"value":"ws-7"}]}]}}}
//
// Users and workspaces are asserted (their values are single: an id, an email, a person, a
// name, a company). Membership, the one list, is never asserted: an assert replaces a list,
// which would drop members added elsewhere (Segment's destination had exactly that bug). The
// `add` line finds the user by `user_id` and `PATCH`es the workspaces, which only adds.
// References are by matching attribute, so every line can be replayed by `send` without
// knowing a record id; `send` orders them (person, then user; company, then workspace; both,
// then membership) with `RecordGate`.

/// Makes the users and workspaces requests of `--users` and `--workspaces`.
enum AccountRequestEncoder {
  /// A person's user (`--users`): its assert, then the memberships that waited for it.
  static func requests(of user: UserValues, emailSlug: String = "email_addresses")
    -> [UpsertRequest]
  {
    var attributes = [
      UpsertRequest.Attribute(slug: UserValues.userIdSlug, value: textValue(user.userId)),
      UpsertRequest.Attribute(slug: UserValues.emailSlug, value: emailValue(user.email)),
    ]
    if user.linksPerson {
      var person: [UInt8] = []
      person.append("[{\"target_object\":\"people\",")
      person.appendJSONString(emailSlug)
      person.append(":")
      person.append(contentsOf: emailValue(user.email))
      person.append("}]")
      attributes.append(UpsertRequest.Attribute(slug: UserValues.personSlug, value: person))
    }
    for mapped in user.mapped {
      attributes.append(UpsertRequest.Attribute(slug: mapped.slug, value: mapped.value))
    }
    var requests = [
      UpsertRequest(
        .users, id: user.userId, idSlug: UserValues.userIdSlug, attributes: attributes)
    ]
    if !user.workspaceIds.isEmpty {
      var workspaces: [UInt8] = [UInt8(ascii: "[")]
      for (index, id) in user.workspaceIds.enumerated() {
        if index > 0 { workspaces.append(UInt8(ascii: ",")) }
        workspaces.append("{\"target_object\":\"workspaces\",\"workspace_id\":")
        workspaces.append(contentsOf: textValue(id))
        workspaces.append(UInt8(ascii: "}"))
      }
      workspaces.append(UInt8(ascii: "]"))
      requests.append(
        UpsertRequest(
          .users, id: user.userId, idSlug: UserValues.userIdSlug,
          attributes: [
            UpsertRequest.Attribute(slug: UserValues.userIdSlug, value: textValue(user.userId)),
            UpsertRequest.Attribute(slug: UserValues.workspacesSlug, value: workspaces),
          ], operation: .add))
    }
    return requests
  }

  /// A group call's workspace (`--workspaces`): its assert, then its member's requests.
  static func requests(of workspace: WorkspaceValues, emailSlug: String = "email_addresses")
    -> [UpsertRequest]
  {
    var attributes = [
      UpsertRequest.Attribute(
        slug: WorkspaceValues.workspaceIdSlug, value: textValue(workspace.workspaceId))
    ]
    if let name = workspace.name {
      attributes.append(
        UpsertRequest.Attribute(slug: WorkspaceValues.nameSlug, value: textValue(name)))
    }
    if let domain = workspace.companyDomain {
      var company: [UInt8] = []
      CompanyBodyEncoder.encodeReference(domain, into: &company)
      attributes.append(UpsertRequest.Attribute(slug: WorkspaceValues.companySlug, value: company))
    }
    for mapped in workspace.mapped {
      attributes.append(UpsertRequest.Attribute(slug: mapped.slug, value: mapped.value))
    }
    var requests = [
      UpsertRequest(
        .workspaces, id: workspace.workspaceId, idSlug: WorkspaceValues.workspaceIdSlug,
        attributes: attributes)
    ]
    if let member = workspace.member {
      requests += Self.requests(of: member, emailSlug: emailSlug)
    }
    return requests
  }

  /// Prints each request on its own line, as `build` does.
  static func write(_ requests: [UpsertRequest], into output: OutputBuffer) throws(PipelineError) {
    for request in requests {
      output.withBytes { $0.append(contentsOf: request.envelope) }
      output.append(UInt8(ascii: "\n"))
      try output.lineCompleted()
    }
  }

  /// `[{"value":"…"}]`.
  private static func textValue(_ text: String) -> [UInt8] {
    var value: [UInt8] = []
    value.append("[{\"value\":")
    value.appendJSONString(text)
    value.append("}]")
    return value
  }

  /// `[{"email_address":"…"}]`.
  private static func emailValue(_ email: String) -> [UInt8] {
    var value: [UInt8] = []
    value.append("[{\"email_address\":")
    value.appendJSONString(email)
    value.append("}]")
    return value
  }
}
