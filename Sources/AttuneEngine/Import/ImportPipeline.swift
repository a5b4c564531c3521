import Dispatch

/// Parses on one thread while the caller stores on another, with at most `depth` chunks in
/// flight so memory stays bounded however large the file is.
enum ImportPipeline {
    enum Message<Chunk: Sendable>: Sendable {
        case chunk(Chunk)
        case done(ImportReport)
    }

    /// `produce` runs on a background thread and calls `emit` for each chunk (blocking while the
    /// consumer is behind); it returns its report. `consume` stores each chunk.
    static func run<Chunk: Sendable>(
        depth: Int = 2,
        produce: @escaping @Sendable (_ emit: (Chunk) -> Void) throws -> ImportReport,
        consume: (Chunk) async throws -> Void
    ) async throws -> ImportReport {
        let (stream, continuation) = AsyncThrowingStream<Message<Chunk>, any Error>.makeStream()
        let slots = DispatchSemaphore(value: depth)
        let cancelled = ManagedFlag()
        DispatchQueue.global(qos: .userInitiated).async {
            do {
                let report = try produce { chunk in
                    slots.wait()
                    if !cancelled.isSet { continuation.yield(.chunk(chunk)) }
                }
                continuation.yield(.done(report))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        do {
            for try await message in stream {
                switch message {
                case .chunk(let chunk):
                    try await consume(chunk)
                    slots.signal()
                case .done(let report):
                    return report
                }
            }
        } catch {
            cancelled.set()
            // Unblock the producer so its thread can finish.
            for _ in 0..<(depth + 1) { slots.signal() }
            throw error
        }
        return ImportReport()
    }
}

/// A flag set once from any thread.
final class ManagedFlag: @unchecked Sendable {
    // Guarded by `lock`; a class so that the producer thread and the consumer share it.
    private let lock = DispatchSemaphore(value: 1)
    private var value = false

    var isSet: Bool {
        lock.wait()
        defer { lock.signal() }
        return value
    }

    func set() {
        lock.wait()
        value = true
        lock.signal()
    }
}
