import AttuneCore
import Crypto
import Foundation
import Logging

/// The watched import folder of `attune serve --import-dir DIR`: each scan imports the files that
/// have settled, then moves each to `DIR/done/` or `DIR/failed/` with a `NAME.report.json` next
/// to it; an imported file is deleted instead of kept in `done/` unless ``imported`` says
/// ``ImportedFilePolicy/keep`` (its report is written either way). Files that failed are always
/// kept: someone has to look at them.
///
/// A file is taken only once it has stopped changing: its size and modification time must be the
/// same at two consecutive scans, unless a marker `NAME.ready` sits next to it (then at once).
/// Names starting with a dot or ending in `.tmp`, `.part`, `.partial`, `.crdownload` or `.ready`
/// are never taken, so a writer that renames into place is never read half-way. Its kind comes
/// from the name (``ImportKind``).
///
/// Every outcome is appended to a ledger (`DIR/.attune-import-ledger.jsonl`, synced) before the
/// file is moved: a restart between the import and the move finds the file in the ledger (same
/// path, same SHA-256) and only finishes the move. The same bytes dropped again under the same
/// name are therefore not imported twice either.
package struct ImportFolder: Sendable {
    /// Imports one file of a kind; throws when the file as a whole cannot be imported.
    package typealias Importer = @Sendable (_ kind: ImportKind, _ path: String) async throws -> ImportReport

    package static let ledgerName = ".attune-import-ledger.jsonl"
    static let ignoredSuffixes = [".tmp", ".part", ".partial", ".crdownload", ".ready", ".swp"]

    package let directory: String
    /// What becomes of a file once imported (`done`).
    package var imported: ImportedFilePolicy = .delete
    let importer: Importer
    let clock: any WallClock
    let logger: Logger

    package init(directory: String, clock: any WallClock, logger: Logger, importer: @escaping Importer) {
        self.directory = directory
        self.clock = clock
        self.logger = logger
        self.importer = importer
    }

    /// What a scan remembers for the next: the size and modification time of each waiting file.
    package struct ScanState: Sendable {
        var seen: [String: FileStamp] = [:]
        package init() {}
    }

    struct FileStamp: Equatable {
        var size: Int
        var modified: Date
    }

    /// Imports every settled file, in name order, and returns what became of each.
    package func scan(_ state: inout ScanState) async -> [ImportFolderReport] {
        var stamps: [String: FileStamp] = [:]
        for file in candidates() {
            guard let stamp = Self.stamp(of: path(file)) else { continue }
            stamps[file] = stamp
        }
        var settled: [String] = []
        for (file, stamp) in stamps
        where state.seen[file] == stamp || FileManager.default.fileExists(atPath: path(file) + ".ready") {
            settled.append(file)
        }
        state.seen = stamps
        var ledger = loadLedger()
        var finished: [ImportFolderReport] = []
        for file in settled.sorted() {
            if Task.isCancelled { break }
            guard let digest = Self.sha256(of: path(file)) else { continue }
            // Only a success is final: a file that failed (say, on a full disk) and is put back
            // after the cause is fixed is imported again.
            if let known = ledger[file + "\u{0}" + digest], known.outcome == .done {
                place(known)
                finished.append(known)
                state.seen[file] = nil
                continue
            }
            let report = await importFile(file, digest: digest)
            do {
                try appendToLedger(report)
            } catch {
                // Without the ledger line a restart could import the file again: leave it where
                // it is and try at the next scan (imports of the same rows are idempotent).
                logger.warning(
                    "import folder: cannot write the ledger", metadata: ["error": .string(String(describing: error))])
                continue
            }
            ledger[file + "\u{0}" + digest] = report
            place(report)
            finished.append(report)
            state.seen[file] = nil
        }
        return finished
    }

    private func path(_ file: String) -> String { directory + "/" + file }

    /// Files directly in the folder, and in subfolders named for a kind, relative to the folder.
    func candidates() -> [String] {
        var files: [String] = []
        let manager = FileManager.default
        for name in (try? manager.contentsOfDirectory(atPath: directory)) ?? [] where !Self.isIgnored(name) {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path(name), isDirectory: &isDirectory) else { continue }
            if !isDirectory.boolValue {
                files.append(name)
            } else if ImportKind(rawValue: name.lowercased()) != nil {
                for inner in (try? manager.contentsOfDirectory(atPath: path(name))) ?? [] where !Self.isIgnored(inner) {
                    var innerIsDirectory: ObjCBool = false
                    if manager.fileExists(atPath: path(name + "/" + inner), isDirectory: &innerIsDirectory),
                        !innerIsDirectory.boolValue
                    {
                        files.append(name + "/" + inner)
                    }
                }
            }
        }
        return files
    }

    static func isIgnored(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return name.hasPrefix(".") || ignoredSuffixes.contains(where: lowered.hasSuffix)
    }

    private static func stamp(of path: String) -> FileStamp? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            attributes[.type] as? FileAttributeType == .typeRegular,
            let size = (attributes[.size] as? NSNumber)?.intValue,
            let modified = attributes[.modificationDate] as? Date
        else { return nil }
        return FileStamp(size: size, modified: modified)
    }

    static func sha256(of path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            // `nil` or empty at the end of the file.
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
            }
        } catch {
            return nil
        }
        return UserDigest.hex(Array(hasher.finalize()))
    }

    private func importFile(_ file: String, digest: String) async -> ImportFolderReport {
        let started = clock.now()
        let components = file.split(separator: "/").map(String.init)
        let kind = ImportKind(fileName: components.last ?? file, folder: components.count > 1 ? components[0] : nil)
        var report = ImportFolderReport(
            file: file, sha256: digest, kind: kind, outcome: .failed, startedAt: started, finishedAt: started,
            report: nil,
            error: nil)
        guard let kind else {
            report.error =
                "the name does not say what the file holds: start it with "
                + ImportKind.allCases.map { $0.rawValue + "-" }.joined(separator: ", ")
                + " or put it in a subfolder of that name"
            report.finishedAt = clock.now()
            return report
        }
        do {
            let result = try await importer(kind, path(file))
            report.report = result
            // A file none of whose rows could be taken is not "done".
            let nothingTaken = result.imported == 0 && result.duplicates == 0 && result.rejected > 0
            report.outcome = nothingTaken ? .failed : .done
            if nothingTaken { report.error = "every row was rejected" }
        } catch let failure as ImportFailure {
            report.error = failure.description
        } catch let failure as TabularSource.Failure {
            report.error = failure.description
        } catch let error as AttuneError {
            report.error = error.reportText
        } catch {
            report.error = "the import failed: \(type(of: error))"
        }
        report.finishedAt = clock.now()
        logger.info(
            "import folder: file processed",
            metadata: [
                "import.file": .string(file), "import.kind": .string(kind.rawValue),
                "import.outcome": .string(report.outcome.rawValue),
                "import.imported": "\(report.report?.imported ?? 0)",
                "import.rejected": "\(report.report?.rejected ?? 0)",
            ])
        return report
    }

    private func loadLedger() -> [String: ImportFolderReport] {
        guard let text = try? String(contentsOfFile: path(Self.ledgerName), encoding: .utf8) else { return [:] }
        var entries: [String: ImportFolderReport] = [:]
        for line in text.split(separator: "\n") {
            // A line cut short by a crash is skipped: its file is imported again.
            guard let report = ImportFolderReport(ledgerLine: String(line)) else { continue }
            entries[report.file + "\u{0}" + report.sha256] = report
        }
        return entries
    }

    private func appendToLedger(_ report: ImportFolderReport) throws {
        let ledger = path(Self.ledgerName)
        if !FileManager.default.fileExists(atPath: ledger) {
            guard FileManager.default.createFile(atPath: ledger, contents: nil) else {
                throw CocoaError(.fileWriteUnknown)
            }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: ledger))
        defer { try? handle.close() }
        try handle.seekToEnd()
        // A leading newline ends any line a crash cut short, so this one parses on its own.
        try handle.write(contentsOf: Data(("\n" + report.json + "\n").utf8))
        try handle.synchronize()
    }

    /// Moves the file to `done/` or `failed/` under a free name (or deletes an imported one, see
    /// ``imported``) and writes its report there.
    private func place(_ report: ImportFolderReport) {
        let manager = FileManager.default
        let target = directory + "/" + report.outcome.rawValue
        let source = path(report.file)
        do {
            try manager.createDirectory(atPath: target, withIntermediateDirectories: true)
            let name = (report.file as NSString).lastPathComponent
            let destination = Self.freeName(for: name, in: target)
            if report.outcome == .done, imported == .delete {
                try manager.removeItem(atPath: source)
            } else {
                try manager.moveItem(atPath: source, toPath: destination)
            }
            try Data((report.json + "\n").utf8).write(
                to: URL(fileURLWithPath: destination + ".report.json"), options: .atomic)
            try? manager.removeItem(atPath: source + ".ready")
        } catch {
            logger.warning(
                "import folder: cannot move a processed file",
                metadata: ["import.file": .string(report.file), "error": .string(String(describing: error))])
        }
    }

    /// `name` in `folder`, or `name` with `-2`, `-3`, ... before its extension when taken.
    static func freeName(for name: String, in folder: String) -> String {
        let manager = FileManager.default
        var candidate = folder + "/" + name
        let base = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        var counter = 2
        while manager.fileExists(atPath: candidate) || manager.fileExists(atPath: candidate + ".report.json") {
            candidate = folder + "/" + base + "-\(counter)" + (ext.isEmpty ? "" : "." + ext)
            counter += 1
        }
        return candidate
    }
}
