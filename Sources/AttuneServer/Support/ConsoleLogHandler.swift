#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import AttuneCore
import Logging

/// One line per message on standard error, in the format of swift-log's `StreamLogHandler`
/// (`2026-11-30T22:18:45+0000 info attune: key=value [Module] message`), with the logger's
/// metadata rendered when a line is written rather than each time a key is set.
///
/// `StreamLogHandler` renders all of its metadata into a string on every change. Hummingbird
/// sets a request id on each request's logger and the API key middleware two more keys, so that
/// rendering ran three times per request and logged nothing: 3.2% of the server's CPU under a
/// saturating load of recommendations. Here setting a key is a dictionary write.
package struct ConsoleLogHandler: LogHandler {
    /// What copies of a handler share and rarely change. Held by one reference so that the handler
    /// (with its level and metadata) fits an existential's three-word inline buffer: a `Logger`
    /// copied and given a request's metadata then allocates no box.
    private final class Setup: Sendable {
        let label: String
        let sink: @Sendable (String) -> Void
        let metadataProvider: Logger.MetadataProvider?

        init(label: String, sink: @escaping @Sendable (String) -> Void, metadataProvider: Logger.MetadataProvider?) {
            self.label = label
            self.sink = sink
            self.metadataProvider = metadataProvider
        }
    }

    private var setup: Setup
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level

    package var metadataProvider: Logger.MetadataProvider? {
        get { setup.metadataProvider }
        set { setup = Setup(label: setup.label, sink: setup.sink, metadataProvider: newValue) }
    }

    /// - Parameter write: Where each line goes (it ends with a line feed); standard error by default.
    package init(
        label: String, level: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil,
        write sink: @escaping @Sendable (String) -> Void = ConsoleLogHandler.writeToStandardError
    ) {
        setup = Setup(label: label, sink: sink, metadataProvider: metadataProvider)
        logLevel = level
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, provided in provided }
        }
        if let explicit = event.metadata, !explicit.isEmpty {
            merged.merge(explicit) { _, explicit in explicit }
        }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        setup.sink(
            Self.line(time: Self.timestamp(), level: event.level, label: setup.label, metadata: merged, source: event.source, message: event.message))
    }

    /// The line `StreamLogHandler` writes for the same message: metadata sorted by key.
    static func line(
        time: String, level: Logger.Level, label: String, metadata: Logger.Metadata, source: String, message: Logger.Message
    ) -> String {
        var line = "\(time) \(level)\(label.isEmpty ? "" : " ")\(label):"
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(value)"
        }
        line += " [\(source)] \(message)\n"
        return line
    }

    /// Local time to the second with its UTC offset, as `StreamLogHandler` prints it.
    static func timestamp() -> String {
        var now = time(nil)
        var local = tm()
        guard localtime_r(&now, &local) != nil else { return "<unknown>" }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let length = strftime(buffer.baseAddress!, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress!, count: length), as: UTF8.self)
        }
    }

    /// Serialises this process's writers, so that a line longer than a pipe's atomic size, written
    /// in parts, is not interleaved with another thread's.
    private static let writing = Locked(())

    /// Writes `line` to file descriptor 2 whole (retrying partial and interrupted writes); a line
    /// that cannot be written is dropped, as logging must not fail the caller.
    @Sendable package static func writeToStandardError(_ line: String) {
        var line = line
        writing.withLock { _ in
            line.withUTF8 { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                    if written > 0 {
                        offset += written
                    } else if written < 0, errno == EINTR {
                        continue
                    } else {
                        return
                    }
                }
            }
        }
    }
}
