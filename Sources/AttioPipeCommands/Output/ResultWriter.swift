import AttioPipeCore
import AttioPipeDelivery
import Glibc

/// Writes one compact JSON line per delivery result to stdout, flushed at once: a result is
/// worth most the moment it is known (a `tail -F` pipeline, a watching operator).
///
/// `{"line":12,"file":"a.ndjson","messageId":"m","email":"ada@example.com","status":"failed",
///   "http_status":400,"attempts":1,"error":{"type":…,"code":…,"message":…},"request":{…}}`
/// `file` only when several inputs are read; `record_id` when known; `action` (`created`,
/// `updated`, `unchanged`, `asserted`) when a write plan ended; `error` on failure;
/// `request` (the event's own body) on `failed`, `not_sent` and `in_doubt`, for replay through
/// `send`, with `linked_requests` after it when the event had linked writes (`--users`,
/// `--workspaces`), whose outcomes are in `linked` and, for the one that failed,
/// `failed_object`.
final class ResultWriter {
  private let output: OutputBuffer
  private var isClosed = false
  /// Why results stopped being written, when it was not the reader going away (`EPIPE`): a
  /// full disk, say. The run then ends with this error (exit 2).
  private(set) var failure: PipelineError?

  init(fileDescriptor: Int32 = STDOUT_FILENO) {
    output = OutputBuffer(fileDescriptor: fileDescriptor)
  }

  /// Writes and flushes one result; false once results can no longer be written (the reader
  /// went away, or `failure`).
  @discardableResult
  func write(_ result: DeliveryResult) -> Bool {
    write(contentsOf: CollectionOfOne(result))
  }

  /// Writes several results with one flush (`--spool` writes a commit's results so, in one
  /// `write(2)`); false once results can no longer be written.
  @discardableResult
  func write(contentsOf results: some Collection<DeliveryResult>) -> Bool {
    guard !isClosed else { return false }
    for result in results {
      output.withBytes { line in
        ResultWriter.encode(result, into: &line)
        line.append(UInt8(ascii: "\n"))
      }
      do {
        try output.lineCompleted()
      } catch .outputClosed {
        isClosed = true
      } catch {
        isClosed = true
        failure = error
      }
    }
    do {
      try output.flush()
    } catch .outputClosed {
      isClosed = true
    } catch {
      isClosed = true
      failure = error
    }
    return !isClosed
  }

  /// The member that names a record's match value in a result.
  private static func keyName(of object: AttioObject) -> String {
    switch object {
    case .people: "email"
    case .companies: "domain"
    case .users: UserValues.userIdSlug
    case .workspaces: WorkspaceValues.workspaceIdSlug
    }
  }

  static func encode(_ result: DeliveryResult, into line: inout [UInt8]) {
    let job = result.job
    line.append("{\"line\":")
    line.appendInteger(job.location.line)
    if let file = job.location.file {
      line.append(",\"file\":")
      line.appendJSONString(file)
    }
    if let messageId = job.messageId {
      line.append(",\"messageId\":")
      line.appendJSONString(messageId)
    }
    let isEntry = job.request.operation == .entry
    if isEntry, let list = job.request.list {
      // A list entry replayed on its own (`send`): keyed by its person's email.
      line.append(",\"object\":\"list_entries\",\"list\":")
      line.appendJSONString(list)
    } else if job.request.object != .people {
      // A company's or a workspace's result: its own kind of line, keyed by its match value.
      line.append(",\"object\":")
      line.appendJSONString(job.request.object.rawValue)
    }
    line.append(UInt8(ascii: ","))
    line.appendJSONString(keyName(of: job.request.object))
    line.append(UInt8(ascii: ":"))
    line.appendJSONString(job.request.matchValue)
    line.append(",\"status\":\"")
    line.append(contentsOf: result.status.rawValue.utf8)
    line.append(UInt8(ascii: "\""))
    if let httpStatus = result.httpStatus {
      line.append(",\"http_status\":")
      line.appendInteger(httpStatus)
    }
    if let recordId = result.recordId {
      line.append(isEntry ? ",\"entry_id\":" : ",\"record_id\":")
      line.appendJSONString(recordId)
    }
    if let action = result.action {
      line.append(",\"action\":\"")
      line.append(contentsOf: action.rawValue.utf8)
      line.append(UInt8(ascii: "\""))
    }
    if let emailAdded = result.emailAdded {
      line.append(",\"email_added\":")
      line.appendJSONString(emailAdded)
    }
    if let duplicate = result.duplicateRecordId, let recordId = result.recordId {
      // A warning, not an error: the two records are left for a person to merge.
      line.append(",\"warning\":\"duplicate_person\",\"duplicate_record_ids\":[")
      line.appendJSONString(recordId)
      line.append(UInt8(ascii: ","))
      line.appendJSONString(duplicate)
      line.append(UInt8(ascii: "]"))
    }
    if !result.linked.isEmpty {
      line.append(",\"linked\":[")
      for (index, write) in result.linked.enumerated() {
        if index > 0 { line.append(UInt8(ascii: ",")) }
        if let list = write.list {
          line.append("{\"object\":\"list_entries\",\"list\":")
          line.appendJSONString(list)
        } else {
          line.append("{\"object\":")
          line.appendJSONString(write.object.rawValue)
          line.append(UInt8(ascii: ","))
          line.appendJSONString(keyName(of: write.object))
          line.append(UInt8(ascii: ":"))
          line.appendJSONString(write.matchValue)
        }
        if write.operation == .add { line.append(",\"operation\":\"add\"") }
        line.append(",\"action\":")
        line.appendJSONString(write.action.rawValue)
        if let recordId = write.recordId {
          line.append(write.list == nil ? ",\"record_id\":" : ",\"entry_id\":")
          line.appendJSONString(recordId)
        }
        line.append(UInt8(ascii: "}"))
      }
      line.append(UInt8(ascii: "]"))
    }
    if let failedObject = result.failedObject {
      line.append(",\"failed_object\":")
      line.appendJSONString(failedObject)
    }
    line.append(",\"attempts\":")
    line.appendInteger(result.attempts)
    if let error = result.error {
      line.append(",\"error\":{\"type\":")
      line.appendJSONString(error.type)
      line.append(",\"code\":")
      line.appendJSONString(error.code)
      line.append(",\"message\":")
      line.appendJSONString(error.message)
      line.append(UInt8(ascii: "}"))
    }
    if result.status == .failed || result.status == .notSent || result.status == .inDoubt {
      line.append(",\"request\":")
      line.append(contentsOf: job.request.envelope)
      if !job.request.linked.isEmpty {
        // Replayed after `request`, in order (`send` orders them again by their references).
        line.append(",\"linked_requests\":[")
        for (index, write) in job.request.linked.enumerated() {
          if index > 0 { line.append(UInt8(ascii: ",")) }
          line.append(contentsOf: write.envelope)
        }
        line.append(UInt8(ascii: "]"))
      }
    }
    line.append(UInt8(ascii: "}"))
  }
}
