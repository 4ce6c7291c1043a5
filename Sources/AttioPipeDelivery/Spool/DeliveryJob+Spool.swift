import AttioPipeCore

/// A job as the spool keeps it (the payload of a `job` record after its sequence number), so
/// that a restart sends exactly the request the event made, with the identity it had then,
/// without processing the event again:
///
///   u8 flags (1 file, 2 messageId, 4 companies, 8 previous email, 16 company domain,
///   32 accounts), [file], u64 line, [messageId], email, email slug, [previous email],
///   [company domain], u32 attribute count, then per attribute its slug and its value's JSON
///   text; with flag 32 (`--users`, `--workspaces`) then: u8 object (0 people, 1 companies,
///   2 users, 3 workspaces), u8 operation (0 assert, 1 add, 2 list entry; then its list), u32 count of
///   awaited keys and each, u32 count of linked writes and each as: u8 object, u8 operation,
///   email, email slug, u32 attribute count and the attributes, and for a list entry its list
///
/// Flag 32 is set only when it carries something, so jobs without accounts are written
/// exactly as before and older spools read as they did.
/// Text fields are a u32 length and their UTF-8 bytes.
extension DeliveryJob {
  func encodeForSpool(into bytes: inout [UInt8]) {
    var flags: UInt8 = 0
    if location.file != nil { flags |= 1 }
    if messageId != nil { flags |= 2 }
    if request.object == .companies { flags |= 4 }
    if request.previousEmail != nil { flags |= 8 }
    if request.companyDomain != nil { flags |= 16 }
    let hasAccounts =
      !request.linked.isEmpty || !request.awaitedKeys.isEmpty || request.object == .users
      || request.object == .workspaces || request.operation != .assert
    if hasAccounts { flags |= 32 }
    bytes.append(flags)
    if let file = location.file { SpoolFormat.appendData(file.utf8, to: &bytes) }
    SpoolFormat.append(UInt64(location.line), to: &bytes)
    if let messageId { SpoolFormat.appendData(messageId.utf8, to: &bytes) }
    SpoolFormat.appendData(request.email.utf8, to: &bytes)
    SpoolFormat.appendData(request.emailSlug.utf8, to: &bytes)
    if let previous = request.previousEmail { SpoolFormat.appendData(previous.utf8, to: &bytes) }
    if let domain = request.companyDomain { SpoolFormat.appendData(domain.utf8, to: &bytes) }
    SpoolFormat.append(UInt32(request.attributes.count), to: &bytes)
    Self.encode(request.attributes, into: &bytes)
    guard hasAccounts else { return }
    Self.encodeKind(of: request, into: &bytes)
    if request.operation == .entry { SpoolFormat.appendData((request.list ?? "").utf8, to: &bytes) }
    SpoolFormat.append(UInt32(request.awaitedKeys.count), to: &bytes)
    for key in request.awaitedKeys { SpoolFormat.appendData(key.utf8, to: &bytes) }
    SpoolFormat.append(UInt32(request.linked.count), to: &bytes)
    for write in request.linked {
      Self.encodeKind(of: write, into: &bytes)
      SpoolFormat.appendData(write.email.utf8, to: &bytes)
      SpoolFormat.appendData(write.emailSlug.utf8, to: &bytes)
      SpoolFormat.append(UInt32(write.attributes.count), to: &bytes)
      Self.encode(write.attributes, into: &bytes)
      if write.operation == .entry { SpoolFormat.appendData((write.list ?? "").utf8, to: &bytes) }
    }
  }

  private static let objects: [AttioObject] = [.people, .companies, .users, .workspaces]

  private static func encodeKind(of request: UpsertRequest, into bytes: inout [UInt8]) {
    bytes.append(UInt8(objects.firstIndex(of: request.object)!))
    let operation: UInt8 =
      switch request.operation {
      case .assert: 0
      case .add: 1
      case .entry: 2
      }
    bytes.append(operation)
  }

  private static func encode(_ attributes: [UpsertRequest.Attribute], into bytes: inout [UInt8]) {
    for attribute in attributes {
      SpoolFormat.appendData(attribute.slug.utf8, to: &bytes)
      SpoolFormat.appendData(attribute.value, to: &bytes)
    }
  }

  private static func readKind(_ reader: inout SpoolPayloadReader)
    -> (AttioObject, UpsertRequest.Operation)?
  {
    guard let object = reader.byte(), Int(object) < objects.count, let operation = reader.byte(),
      operation <= 2
    else { return nil }
    return (objects[Int(object)], operation == 2 ? .entry : operation == 1 ? .add : .assert)
  }

  private static func readAttributes(_ reader: inout SpoolPayloadReader)
    -> [UpsertRequest.Attribute]?
  {
    guard let count = reader.integer(UInt32.self) else { return nil }
    var attributes: [UpsertRequest.Attribute] = []
    for _ in 0..<count {
      guard let slug = reader.text(), let value = reader.data() else { return nil }
      attributes.append(UpsertRequest.Attribute(slug: slug, value: value))
    }
    return attributes
  }

  /// The job of a `job` record's bytes after its sequence number; nil when they do not hold one.
  init?(spooled payload: UnsafeBufferPointer<UInt8>) {
    var reader = SpoolPayloadReader(payload)
    guard let flags = reader.byte() else { return nil }
    let file = flags & 1 != 0 ? reader.text() : nil
    guard flags & 1 == 0 || file != nil, let line = reader.integer(UInt64.self) else { return nil }
    let messageId = flags & 2 != 0 ? reader.text() : nil
    guard flags & 2 == 0 || messageId != nil,
      let email = reader.text(), let emailSlug = reader.text()
    else { return nil }
    let previous = flags & 8 != 0 ? reader.text() : nil
    let domain = flags & 16 != 0 ? reader.text() : nil
    guard flags & 8 == 0 || previous != nil, flags & 16 == 0 || domain != nil,
      let attributes = Self.readAttributes(&reader)
    else { return nil }
    var request = UpsertRequest(email: email, emailSlug: emailSlug, attributes: attributes)
    request.previousEmail = previous
    request.companyDomain = domain
    if flags & 4 != 0 { request.object = .companies }
    if flags & 32 != 0 {
      guard let (object, operation) = Self.readKind(&reader) else { return nil }
      if operation == .entry {
        guard let list = reader.text() else { return nil }
        request.list = list
      }
      guard let awaitedCount = reader.integer(UInt32.self) else { return nil }
      request.object = object
      request.operation = operation
      for _ in 0..<awaitedCount {
        guard let key = reader.text() else { return nil }
        request.awaitedKeys.append(key)
      }
      guard let linkedCount = reader.integer(UInt32.self) else { return nil }
      for _ in 0..<linkedCount {
        guard let (object, operation) = Self.readKind(&reader), let key = reader.text(),
          let slug = reader.text(), let attributes = Self.readAttributes(&reader)
        else { return nil }
        var write = UpsertRequest(email: key, emailSlug: slug, attributes: attributes)
        write.object = object
        write.operation = operation
        if operation == .entry {
          guard let list = reader.text() else { return nil }
          write.list = list
        }
        request.linked.append(write)
      }
    }
    guard reader.isAtEnd else { return nil }
    self.init(
      location: InputLocation(file: file, line: Int(truncatingIfNeeded: line)),
      messageId: messageId, request: request)
  }
}

/// Bounds-checked reads of a record's payload: a spool is input like any other, and a
/// damaged one must be an error, never a crash.
struct SpoolPayloadReader {
  private let bytes: UnsafeBufferPointer<UInt8>
  private var position = 0

  init(_ bytes: UnsafeBufferPointer<UInt8>) {
    self.bytes = bytes
  }

  var isAtEnd: Bool { position == bytes.count }

  mutating func byte() -> UInt8? {
    guard position < bytes.count else { return nil }
    defer { position += 1 }
    return bytes[position]
  }

  mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
    guard bytes.count - position >= MemoryLayout<T>.size else { return nil }
    return SpoolFormat.integer(bytes, &position) as T
  }

  mutating func data() -> [UInt8]? {
    guard let count = integer(UInt32.self), bytes.count - position >= Int(count) else {
      return nil
    }
    defer { position += Int(count) }
    return Array(bytes[position..<position + Int(count)])
  }

  mutating func text() -> String? {
    data().flatMap { String(validating: $0, as: UTF8.self) }
  }
}
