import AttuneCore
import Logging

/// Every log line a logger wrote, whole: level, message, the logger's and the call's metadata,
/// source, file and function. For checking that no personal data reaches the logs.
final class CapturedLog: Sendable {
    private let lines = Locked<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }

    /// A logger that writes here at every level.
    func logger(label: String = "capture") -> Logger {
        var logger = Logger(label: label) { label in CapturingLogHandler(label: label, log: self) }
        logger.logLevel = .trace
        return logger
    }
}

struct CapturingLogHandler: LogHandler {
    let label: String
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        for (key, value) in event.metadata ?? [:] { merged[key] = value }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        var line = "\(event.level) \(label) \(event.source) \(event.file):\(event.line) \(event.function) \(event.message) \(fields)"
        if let error = event.error { line += " error=\(error)" }
        log.append(line)
    }
}
