import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore
import Foundation

struct SegmentExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a segment's member ids as CSV or JSON Lines, read from the store in chunks.")

    @OptionGroup var data: DataOptions
    @Argument(help: "Segment id or name.") var segment: String
    @Option(help: "csv (user_id column) or jsonl ({\"userId\": ...} per line).") var format: String = "csv"
    @Option(help: "Output file (default: standard output).") var output: String?
    @Option(help: .hidden) var chunkSize: Int = 5_000

    func validate() throws {
        guard SegmentExport.Format(rawValue: format) != nil else { throw ValidationError("--format must be csv or jsonl") }
        guard chunkSize >= 1 else { throw ValidationError("--chunk-size must be positive") }
    }

    func run() async throws {
        try await data.withStore { opened, workspace in
            let store = opened.store
            guard let found = try await SegmentService(store: store, clock: SystemClock()).find(segment, in: workspace) else {
                throw ValidationError("no segment \(segment) in workspace \(workspace)")
            }
            let handle: FileHandle
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: nil) else {
                    throw ValidationError("cannot write \(output)")
                }
                handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            } else {
                handle = FileHandle.standardOutput
            }
            defer { if output != nil { try? handle.close() } }
            let count = try await SegmentExport(store: store, chunkSize: chunkSize).run(
                found.id, in: workspace, format: SegmentExport.Format(rawValue: format)!
            ) { text in try handle.write(contentsOf: Data(text.utf8)) }
            if output != nil { print("exported \(count) members of \(found.id)") }
        }
    }
}
