import ArgumentParser
import AttuneEngine
import AttuneML
import Foundation

/// Reads the `user_id` and `item_id` columns of a CSV or TSV file whose ids are decimal integers
/// straight into a users x items matrix, in fixed-size chunks, as pandas' C parser does for the
/// peer scripts.
///
/// The general reader keeps every row as strings until the vocabularies are built, which for the
/// 5,000,000-row synthetic set peaks near 520 MB before training starts; the benchmarks measure
/// the peak memory of the whole process, so their loading should not dominate it.
enum IntegerPairReader {
    /// The matrix (values: the number of times a pair occurs), or `nil` when the file is not such a
    /// file (JSON Lines, no such columns, a quoted or non-integer id), for the general reader.
    /// - Throws: when the file cannot be read or a row lacks a column.
    static func matrix(path: String) throws -> SparseMatrix? {
        guard TabularFormat.guess(path: path) != .jsonl, let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let separator: UInt8 = TabularFormat.guess(path: path) == .tsv ? 0x09 : 0x2C
        var rows: [Int32] = []
        var columns: [Int32] = []
        var userIndex: [Int64: Int32] = [:]
        var itemIndex: [Int64: Int32] = [:]
        var header: (user: Int, item: Int)?
        var pending: [UInt8] = []
        var failed = false
        var reserved = false
        func consume(_ line: UnsafeBufferPointer<UInt8>) throws {
            guard let (userColumn, itemColumn) = header else {
                let names = String(decoding: line, as: UTF8.self).split(separator: Character(UnicodeScalar(separator)))
                    .map { TabularSource.normalizeHeader(String($0)) }
                guard let u = names.firstIndex(of: "user_id"), let i = names.firstIndex(of: "item_id") else {
                    failed = true
                    return
                }
                header = (u, i)
                return
            }
            if line.isEmpty || (line.count == 1 && line[0] == 0x0D) { return }
            var user: Int64?
            var item: Int64?
            var cell = 0
            var value: Int64 = 0
            var digits = 0
            var valid = true
            for k in 0...line.count {
                let byte: UInt8 = k < line.count ? line[k] : separator
                if byte == separator || byte == 0x0D {
                    if cell == userColumn || cell == itemColumn {
                        guard valid, digits > 0, digits <= 18 else {
                            failed = true
                            return
                        }
                        if cell == userColumn { user = value } else { item = value }
                    }
                    cell += 1
                    value = 0
                    digits = 0
                    valid = true
                    if byte == 0x0D || cell > Swift.max(userColumn, itemColumn) { break }
                } else if byte >= 0x30 && byte <= 0x39 {
                    value = value &* 10 &+ Int64(byte &- 0x30)
                    digits += 1
                } else if byte != 0x20 {
                    valid = false
                }
            }
            guard let user, let item else { throw ValidationError("a row lacks the user or item column") }
            let u = userIndex[user] ?? { let next = Int32(userIndex.count); userIndex[user] = next; return next }()
            let i = itemIndex[item] ?? { let next = Int32(itemIndex.count); itemIndex[item] = next; return next }()
            rows.append(u)
            columns.append(i)
        }
        let chunkSize = 1 << 20
        while !failed, let chunk = try handle.read(upToCount: chunkSize), !chunk.isEmpty {
            try chunk.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                let bytes = raw.bindMemory(to: UInt8.self)
                var start = 0
                for k in 0..<bytes.count where bytes[k] == 0x0A {
                    if pending.isEmpty {
                        try consume(UnsafeBufferPointer(rebasing: bytes[start..<k]))
                    } else {
                        pending.append(contentsOf: bytes[start..<k])
                        try pending.withUnsafeBufferPointer { try consume($0) }
                        pending.removeAll(keepingCapacity: true)
                    }
                    if failed { return }
                    start = k + 1
                }
                pending.append(contentsOf: bytes[start...])
            }
            if !reserved, rows.count > 0 {
                // Reserve once for the whole file from the bytes per row so far, not by doubling.
                reserved = true
                let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
                let estimate = Int(Double(rows.count) * Double(size) / Double(chunk.count) * 1.02) + 16
                rows.reserveCapacity(estimate)
                columns.reserveCapacity(estimate)
            }
        }
        if !failed && !pending.isEmpty { try pending.withUnsafeBufferPointer { try consume($0) } }
        guard !failed, header != nil else { return nil }
        return try SparseMatrix(rowCount: userIndex.count, columnCount: itemIndex.count, rows: rows, columns: columns)
    }
}
