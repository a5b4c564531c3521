/// UTF-8 strings and raw byte blobs in model files (vocabularies, nested model blobs).
extension BinaryWriter {
    /// A `UInt64` byte count followed by the bytes.
    package mutating func write(bytes blob: [UInt8]) {
        write(UInt64(blob.count))
        for b in blob { write(b) }
    }

    /// One UTF-8 string: its byte count then its bytes.
    package mutating func write(string: String) {
        write(bytes: Array(string.utf8))
    }

    /// A `UInt64` count followed by each string.
    package mutating func write(strings: [String]) {
        write(UInt64(strings.count))
        for s in strings { write(string: s) }
    }
}

extension BinaryReader {
    /// Reads what ``BinaryWriter/write(bytes:)`` wrote.
    /// - Throws: `AttuneMLError.corruptData` when the blob ends first.
    package mutating func readBytes() throws -> [UInt8] {
        let n = try read(UInt64.self)
        // Checked against the bytes that remain, so a corrupt count cannot trigger a huge
        // allocation; then one exact copy (a snapshot's model blob is most of the file).
        guard n <= UInt64(Int.max) else { throw AttuneMLError.corruptData("blob of \(n) bytes exceeds the data") }
        return try readRawBytes(Int(n))
    }

    /// Reads one UTF-8 string.
    /// - Throws: `AttuneMLError.corruptData` when truncated or not valid UTF-8.
    package mutating func readString() throws -> String {
        let bytes = try readBytes()
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw AttuneMLError.corruptData("string is not valid UTF-8")
        }
        return s
    }

    /// Reads what ``BinaryWriter/write(strings:)`` wrote.
    package mutating func readStrings() throws -> [String] {
        let n = try read(UInt64.self)
        var out: [String] = []
        // Each string takes at least its 8-byte length, which bounds a corrupt count.
        out.reserveCapacity(Int(min(n, UInt64(remainingBytes / 8))))
        var k: UInt64 = 0
        while k < n {
            out.append(try readString())
            k += 1
        }
        return out
    }
}
