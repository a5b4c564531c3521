import Foundation

/// Runs the built `attune` executable as a separate process, as an operator would.
package struct AttuneProcess {
    package static var executable: URL {
        // The test bundle sits next to the products of the same build.
        let selfPath = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = selfPath.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("attune")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate
            }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/attune")
    }

    /// Runs to completion and returns (status, stdout, stderr).
    package static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String, String) {
        let outcome = try runToExit(arguments, environment: environment)
        return (outcome.status, outcome.output, outcome.error)
    }

    /// Runs to completion and says how it ended: `reason` tells an exit (`status` is its code) from
    /// a signal (`status` is the signal: a crash or a trap).
    package static func runToExit(_ arguments: [String], environment: [String: String] = [:]) throws
        -> (reason: Process.TerminationReason, status: Int32, output: String, error: String)
    {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationReason, process.terminationStatus, String(decoding: outData, as: UTF8.self),
            String(decoding: errData, as: UTF8.self)
        )
    }

    /// Starts `attune serve` on a free port and waits until it listens.
    package static func startServer(
        dataDirectory: String, adminKey: String, writeKey: String, extraArguments: [String] = []
    ) throws -> (Process, Int) {
        let process = Process()
        process.executableURL = executable
        // These tests send bursts with one key; rate limiting has tests of its own.
        process.arguments = ["serve", "--data-dir", dataDirectory, "--port", "0", "--log-level", "error", "--rate-limit", "0"]
            + extraArguments
        var env = ProcessInfo.processInfo.environment
        env["ATTUNE_ADMIN_KEY"] = adminKey
        env["ATTUNE_WRITE_KEY"] = writeKey
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var text = ""
        while !text.contains("\n") {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let range = text.range(of: "http://127.0.0.1:"),
            let port = Int(text[range.upperBound...].prefix { $0.isNumber })
        else {
            process.terminate()
            throw CocoaError(.fileReadUnknown)
        }
        return (process, port)
    }
}
