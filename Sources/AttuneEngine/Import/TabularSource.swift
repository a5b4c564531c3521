import AttuneCore
import Foundation

/// The file formats an import reads.
package enum TabularFormat: String, Sendable, CaseIterable {
    case csv
    case tsv
    case jsonl

    /// Guesses from the extension: `.jsonl`/`.ndjson`/`.json` are JSON Lines, `.tsv`/`.tab` and
    /// RecBole's `.inter`/`.item`/`.user` are tab separated, anything else is CSV.
    package static func guess(path: String) -> TabularFormat {
        let ext = (path as NSString).pathExtension.lowercased()
        switch ext {
        case "jsonl", "ndjson", "json": return .jsonl
        case "tsv", "tab", "inter", "item", "user": return .tsv
        default: return .csv
        }
    }
}

/// One input row as named cells. CSV cells are strings; JSON Lines keep their JSON types.
package struct TabularRow {
    package var line: Int
    package var cells: [String: JSONValue]
    /// Column names in file order (CSV header order, or JSON member order).
    package var order: [String]
}

/// Reads a CSV / TSV (with a header row) or JSON Lines file into `TabularRow`s.
///
/// Header names are lower-cased and lose a RecBole-style type suffix (`user_id:token`), so
/// mapping options match them regardless of case.
package struct TabularSource {
    package enum Failure: Error, CustomStringConvertible {
        case unreadable(String)
        case empty
        case duplicateColumn(String)

        package var description: String {
            switch self {
            case .unreadable(let why): "cannot read the file: \(why)"
            case .empty: "the file has no header row"
            case .duplicateColumn(let name): "the header names column \"\(name)\" twice"
            }
        }
    }

    package let path: String
    package let format: TabularFormat

    package init(path: String, format: TabularFormat? = nil) {
        self.path = path
        self.format = format ?? TabularFormat.guess(path: path)
    }

    package static func normalizeHeader(_ raw: String) -> String {
        var name = raw.trimmingSpaces()
        if let colon = name.firstIndex(of: ":") { name = String(name[..<colon]) }
        return name.lowercased()
    }

    /// Streams rows to `body`; a row that cannot be parsed goes to `onProblem` with its line.
    package func forEachRow(
        onProblem: (Int, String) throws -> Void,
        progress: (Int, Int) -> Void,
        _ body: (TabularRow) throws -> Void
    ) throws {
        let data: Data
        do {
            // An empty file is refused before it is read: Foundation's mapped read leaks its
            // buffer for a zero-length file (found by fuzzing).
            if try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 0 {
                if format == .jsonl { return }
                throw Failure.empty
            }
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure.unreadable((error as NSError).localizedDescription)
        }
        try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            switch format {
            case .csv, .tsv:
                try readDelimited(bytes, delimiter: format == .tsv ? 0x09 : 0x2C, onProblem: onProblem, progress: progress, body)
            case .jsonl:
                try readJSONLines(bytes, onProblem: onProblem, progress: progress, body)
            }
        }
    }

    private func readDelimited(
        _ bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8,
        onProblem: (Int, String) throws -> Void, progress: (Int, Int) -> Void, _ body: (TabularRow) throws -> Void
    ) throws {
        var header: [String]?
        var rows = 0
        try CSVReader(delimiter: delimiter).forEachRecord(in: bytes) { problem in
            switch problem {
            case .invalidUTF8(let line): try onProblem(line, "invalid UTF-8")
            case .unterminatedQuote(let line): try onProblem(line, "unterminated quoted field")
            }
        } _: { record in
            guard let names = header else {
                let names = record.fields.map(Self.normalizeHeader)
                var seen = Set<String>()
                for name in names where !seen.insert(name).inserted { throw Failure.duplicateColumn(name) }
                header = names
                return
            }
            guard record.fields.count == names.count else {
                try onProblem(record.line, "expected \(names.count) fields, found \(record.fields.count)")
                return
            }
            var cells: [String: JSONValue] = [:]
            cells.reserveCapacity(names.count)
            for (name, value) in zip(names, record.fields) { cells[name] = .string(value) }
            try body(TabularRow(line: record.line, cells: cells, order: names))
            rows += 1
            if rows % 10_000 == 0 { progress(record.endOffset, bytes.count) }
        }
        guard header != nil else { throw Failure.empty }
    }

    private func readJSONLines(
        _ bytes: UnsafeBufferPointer<UInt8>,
        onProblem: (Int, String) throws -> Void, progress: (Int, Int) -> Void, _ body: (TabularRow) throws -> Void
    ) throws {
        let parser = JSONParser()
        var start = 0
        var line = 0
        while start < bytes.count {
            line += 1
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            let slice = UnsafeBufferPointer(rebasing: bytes[start..<end])
            start = end + 1
            if slice.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            do {
                let value = try parser.parse(slice)
                guard case .object(let members) = value else {
                    try onProblem(line, "a line must hold a JSON object")
                    continue
                }
                var cells: [String: JSONValue] = [:]
                var order: [String] = []
                for member in members {
                    let name = Self.normalizeHeader(member.key)
                    cells[name] = member.value
                    order.append(name)
                }
                try body(TabularRow(line: line, cells: cells, order: order))
            } catch let error as AttuneError {
                try onProblem(line, error.message)
            }
            if line % 10_000 == 0 { progress(start, bytes.count) }
        }
    }
}
