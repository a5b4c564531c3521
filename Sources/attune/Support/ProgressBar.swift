import AttuneCore
import AttuneEngine
import Foundation

/// A one-line progress bar on standard error, drawn only when it is a terminal.
final class ProgressBar: Sendable {
    private let label: String
    private let enabled: Bool
    private let started = ContinuousClock.now
    private let lastDraw = Locked<ContinuousClock.Instant?>(nil)

    init(label: String) {
        self.label = label
        self.enabled = isatty(STDERR_FILENO) == 1
    }

    func update(_ progress: ImportProgress) {
        guard enabled, progress.bytesTotal > 0 else { return }
        let now = ContinuousClock.now
        let draw = lastDraw.withLock { last -> Bool in
            if let last, now - last < .milliseconds(100) { return false }
            last = now
            return true
        }
        guard draw else { return }
        let fraction = min(1, Double(progress.bytesDone) / Double(progress.bytesTotal))
        let width = 30
        let filled = Int(fraction * Double(width))
        let seconds = max(0.001, Double((now - started).components.seconds) + Double((now - started).components.attoseconds) / 1e18)
        let rate = Double(progress.rows) / seconds
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = "\r\(label) [\(bar)] \(Int(fraction * 100))%  \(progress.rows) rows  \(Int(rate)) rows/s"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
