/// An RFC 4180 reader over bytes: quoted fields with `""` escapes and embedded newlines, CRLF or
/// LF line ends, an optional UTF-8 byte-order mark, and a chosen delimiter (comma or tab).
///
/// Records are handed out with the 1-based line number on which they start, which is what an
/// import report must show. Invalid UTF-8 in a field is reported, never repaired silently.
package struct CSVReader {
    package struct Record {
        package var line: Int
        package var fields: [String]
        /// Byte offset just past the record, for progress reporting.
        package var endOffset: Int
    }

    package enum Problem: Error, Equatable {
        case invalidUTF8(line: Int)
        case unterminatedQuote(line: Int)
    }

    private let delimiter: UInt8

    package init(delimiter: UInt8 = UInt8(ascii: ",")) {
        self.delimiter = delimiter
    }

    /// Calls `body` for each record; a record that cannot be decoded is reported as a `Problem`
    /// through `onProblem` and skipped, so one bad line never hides the rest of the file.
    package func forEachRecord(
        in bytes: UnsafeBufferPointer<UInt8>,
        onProblem: (Problem) throws -> Void,
        _ body: (Record) throws -> Void
    ) rethrows {
        var i = 0
        let n = bytes.count
        if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        var line = 1
        var fields: [String] = []
        var field: [UInt8] = []
        while i < n {
            let startLine = line
            fields.removeAll(keepingCapacity: true)
            var recordDone = false
            var badUTF8 = false
            var unterminated = false
            while !recordDone {
                field.removeAll(keepingCapacity: true)
                if i < n, bytes[i] == UInt8(ascii: "\"") {
                    i += 1
                    var closed = false
                    while i < n {
                        let b = bytes[i]
                        if b == UInt8(ascii: "\"") {
                            if i + 1 < n, bytes[i + 1] == UInt8(ascii: "\"") {
                                field.append(b)
                                i += 2
                                continue
                            }
                            i += 1
                            closed = true
                            break
                        }
                        if b == 0x0A { line += 1 }
                        field.append(b)
                        i += 1
                    }
                    if !closed { unterminated = true }
                    // Anything between the closing quote and the delimiter is kept verbatim.
                    while i < n, bytes[i] != delimiter, bytes[i] != 0x0A, bytes[i] != 0x0D {
                        field.append(bytes[i])
                        i += 1
                    }
                } else {
                    while i < n, bytes[i] != delimiter, bytes[i] != 0x0A, bytes[i] != 0x0D {
                        field.append(bytes[i])
                        i += 1
                    }
                }
                if let s = String(validating: field, as: UTF8.self) {
                    fields.append(s)
                } else {
                    badUTF8 = true
                    fields.append("")
                }
                if i >= n {
                    recordDone = true
                } else if bytes[i] == delimiter {
                    i += 1
                } else {
                    if bytes[i] == 0x0D { i += 1 }
                    if i < n, bytes[i] == 0x0A { i += 1 }
                    line += 1
                    recordDone = true
                }
            }
            if unterminated {
                try onProblem(.unterminatedQuote(line: startLine))
                continue
            }
            if badUTF8 {
                try onProblem(.invalidUTF8(line: startLine))
                continue
            }
            // Blank lines separate nothing in CSV; skip them.
            if fields.count == 1 && fields[0].isEmpty { continue }
            try body(Record(line: startLine, fields: fields, endOffset: i))
        }
    }
}
