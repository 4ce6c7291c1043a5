import AttioPipeCore

/// A job as the spool keeps it (the payload of a `job` record after its sequence number), so
/// that a restart sends exactly the request the event made, with the identity it had then,
/// without processing the event again:
///
///   u8 flags (1 file, 2 messageId, 4 companies, 8 previous email, 16 company domain),
///   [file], u64 line, [messageId], email, email slug, [previous email], [company domain],
///   u32 attribute count, then per attribute its slug and its value's JSON text
///
/// Text fields are a u32 length and their UTF-8 bytes.
extension DeliveryJob {
  func encodeForSpool(into bytes: inout [UInt8]) {
    var flags: UInt8 = 0
    if location.file != nil { flags |= 1 }
    if messageId != nil { flags |= 2 }
    if request.object == .companies { flags |= 4 }
    if request.previousEmail != nil { flags |= 8 }
    if request.companyDomain != nil { flags |= 16 }
    bytes.append(flags)
    if let file = location.file { SpoolFormat.appendData(file.utf8, to: &bytes) }
    SpoolFormat.append(UInt64(location.line), to: &bytes)
    if let messageId { SpoolFormat.appendData(messageId.utf8, to: &bytes) }
    SpoolFormat.appendData(request.email.utf8, to: &bytes)
    SpoolFormat.appendData(request.emailSlug.utf8, to: &bytes)
    if let previous = request.previousEmail { SpoolFormat.appendData(previous.utf8, to: &bytes) }
    if let domain = request.companyDomain { SpoolFormat.appendData(domain.utf8, to: &bytes) }
    SpoolFormat.append(UInt32(request.attributes.count), to: &bytes)
    for attribute in request.attributes {
      SpoolFormat.appendData(attribute.slug.utf8, to: &bytes)
      SpoolFormat.appendData(attribute.value, to: &bytes)
    }
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
      let count = reader.integer(UInt32.self)
    else { return nil }
    var attributes: [UpsertRequest.Attribute] = []
    for _ in 0..<count {
      guard let slug = reader.text(), let value = reader.data() else { return nil }
      attributes.append(UpsertRequest.Attribute(slug: slug, value: value))
    }
    guard reader.isAtEnd else { return nil }
    var request = UpsertRequest(email: email, emailSlug: emailSlug, attributes: attributes)
    request.previousEmail = previous
    request.companyDomain = domain
    if flags & 4 != 0 { request.object = .companies }
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
