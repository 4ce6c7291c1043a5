import Foundation
import Glibc

/// The Attio API key. Its text is reachable only through `authorizationHeader`, and its
/// description is redacted, so it cannot end up in a result, a diagnostic or an error by
/// accident.
package struct APIToken: Sendable, CustomStringConvertible {
  private let secret: String

  package var description: String { "<redacted>" }

  var authorizationHeader: String { "Bearer \(secret)" }

  /// Takes the key out of what the server answers, before anything prints it.
  var redactor: TokenRedactor { TokenRedactor(secret: Array(secret.utf8)) }

  /// From `--api-key-file PATH` when given, else from `ATTIO_API_KEY`. Never from a plain
  /// argument, which any user on the machine could read in `ps`.
  package static func load(file: String?, environment: [String: String])
    throws(DeliveryConfigurationError)
    -> APIToken
  {
    if let file {
      guard let data = FileManager.default.contents(atPath: file) else {
        throw DeliveryConfigurationError("cannot read the API key file '\(file)'")
      }
      let text = String(decoding: data, as: UTF8.self).trimmingCharacters(
        in: .whitespacesAndNewlines)
      guard !text.isEmpty else {
        throw DeliveryConfigurationError("the API key file '\(file)' is empty")
      }
      return try APIToken(checked: text, source: "the API key file")
    }
    guard let text = environment["ATTIO_API_KEY"]?.trimmingCharacters(in: .whitespacesAndNewlines),
      !text.isEmpty
    else {
      throw DeliveryConfigurationError(
        "no API key: set ATTIO_API_KEY or pass --api-key-file PATH (needs the scopes "
          + "record_permission:read-write and object_configuration:read)")
    }
    return try APIToken(checked: text, source: "ATTIO_API_KEY")
  }

  /// A warning when the key file may be read by others than its owner (group or world
  /// bits, `mode & 0o077`), as ssh says of private keys; nil when it may not.
  ///
  /// A warning, not a refusal as ssh makes it: the setups that hand a service its key as a
  /// file protect it with the directory or the namespace and often give the file itself
  /// group or world read (systemd's `LoadCredential=` 0440, Kubernetes secret volumes 0644,
  /// Docker secrets 0444). Refusing would stop those services; the warning still tells
  /// whoever set up a 0644 file in a shared directory.
  package static func permissionWarning(file: String) -> String? {
    var status = stat()
    guard stat(file, &status) == 0, status.st_mode & 0o077 != 0 else { return nil }
    let mode = String(status.st_mode & 0o7777, radix: 8)
    return "the API key file \(file) can be read by others than its owner "
      + "(mode \(String(repeating: "0", count: max(0, 4 - mode.count)) + mode)); "
      + "chmod 600 it unless its directory keeps others out"
  }

  private init(checked text: String, source: String) throws(DeliveryConfigurationError) {
    // A header value cannot hold control characters or spaces; say so without echoing it.
    guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
      throw DeliveryConfigurationError("\(source) holds characters an API key cannot contain")
    }
    secret = text
  }
}
