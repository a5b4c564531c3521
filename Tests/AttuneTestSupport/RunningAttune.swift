import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An `attune` process left running, its log (stderr) and output (stdout) written to files that the
/// test reads while it runs: a pipe nobody drains would block a chatty process.
package final class RunningAttune {
    package let process = Process()
    package let logPath: String
    package let outputPath: String

    package init(_ arguments: [String], in directory: URL, name: String, environment: [String: String] = [:]) throws {
        logPath = directory.appendingPathComponent("\(name).log").path
        outputPath = directory.appendingPathComponent("\(name).out").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        process.executableURL = AttuneProcess.executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle(forWritingAtPath: outputPath)
        try process.run()
    }

    package var pid: Int32 { process.processIdentifier }
    package var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    package var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Waits until the log holds `text`; `false` if the process exits or a minute passes first (a
    /// guard against a hanging test, not a performance limit).
    package func waitForLog(_ text: String) async throws -> Bool { try await waitFor { self.log.contains(text) } }

    package func waitForOutput(_ text: String) async throws -> Bool { try await waitFor { self.output.contains(text) } }

    private func waitFor(_ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            if !process.isRunning { return condition() }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    /// Kills the process without warning (as a crash or the OOM killer would) and reaps it.
    package func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        if !waitForExit(within: Self.exitDeadline) {
            Issue.record("attune \(pid) had not exited \(Self.exitDeadline) after SIGKILL")
        }
    }

    /// Asks the process to stop (SIGTERM) and returns its exit status; one that has not stopped
    /// by the deadline fails the test, and is killed rather than waited on forever.
    @discardableResult
    package func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        guard waitForExit(within: Self.exitDeadline) else {
            Issue.record("attune \(pid) had not stopped \(Self.exitDeadline) after SIGTERM; killed. Log:\n\(log)")
            kill9()
            return -1
        }
        return process.terminationStatus
    }

    /// A guard against a hanging test, not a performance limit.
    package static let exitDeadline: Duration = .seconds(30)

    /// Whether the process exited (and was reaped) within `deadline`.
    private func waitForExit(within deadline: Duration) -> Bool {
        let end = ContinuousClock.now + deadline
        while process.isRunning {
            if ContinuousClock.now >= end { return false }
            usleep(10_000)
        }
        process.waitUntilExit()
        return true
    }
}
