import Foundation
import Testing
@testable import AttuneML

/// A reader over a file gives what a reader over the same bytes in memory gives, and a file cut
/// short (before opening or while being read) is refused with the offset, never read past.
struct BinaryFileTests {
    static func write(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("binary-file-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Small fields around arrays larger than the reader's window, so both paths are crossed.
    static func sample() throws -> (bytes: [UInt8], floats: [Float], ints: [Int32]) {
        let floats = (0..<100_000).map { Float($0) * 0.5 - 7 }
        let ints = (0..<70_001).map { Int32($0 * 3 - 11) }
        var w = BinaryWriter(tag: "TEST", version: 1)
        w.write(UInt16(7))
        w.write(string: "héllo")
        w.write(floats)
        w.write(Int64(-3))
        w.write(ints)
        w.write([Int](0..<1_000))
        w.write(strings: (0..<5_000).map { "id-\($0)" })
        w.write(try SparseMatrix(rowLists: [[1], [], [0, 2]], columnCount: 3))
        return (w.bytes, floats, ints)
    }

    static func readAll(_ reader: BinaryReader) throws -> String {
        var r = reader
        var out = "\(try r.read(UInt16.self)) \(try r.readString()) "
        let floats = try r.readFloats()
        out += "\(floats.count) \(floats[12_345]) \(floats.last!) \(try r.read(Int64.self)) "
        let ints = try r.readInt32s()
        out += "\(ints.count) \(ints[70_000]) \(try r.readInts().reduce(0, +)) "
        let strings = try r.readStrings()
        out += "\(strings.count) \(strings[4_999]) \(try r.readSparseMatrix().columns(ofRow: 2))"
        try r.expectEnd()
        return out
    }

    @Test func aFileReadsAsTheSameBytesInMemory() throws {
        let (bytes, floats, ints) = try Self.sample()
        let path = try Self.write(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try #require(BinaryFile(path: path))
        #expect(file.size == bytes.count)
        let fromFile = try Self.readAll(try BinaryReader(file: file, tag: "TEST", maxVersion: 1))
        #expect(fromFile == (try Self.readAll(try BinaryReader(bytes, tag: "TEST", maxVersion: 1))))
        var r = try BinaryReader(file: file, tag: "TEST", maxVersion: 1)
        _ = try r.read(UInt16.self)
        _ = try r.readString()
        #expect(try r.readFloats() == floats)
        _ = try r.read(Int64.self)
        #expect(try r.readInt32s() == ints)
    }

    @Test func aMissingFileOrADirectoryIsNotOpened() {
        #expect(BinaryFile(path: "/nonexistent/\(UUID().uuidString)") == nil)
        #expect(BinaryFile(path: FileManager.default.temporaryDirectory.path) == nil)
    }

    @Test func aFileCutShortInsideALargeArrayIsRefused() throws {
        let (bytes, _, _) = try Self.sample()
        // Inside the floats: the header, the UInt16, the string and the float count come first.
        let cut = 10 + 2 + 8 + 6 + 8 + 50_000 * 4 + 2
        let path = try Self.write(Array(bytes[..<cut]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var r = try BinaryReader(file: try #require(BinaryFile(path: path)), tag: "TEST", maxVersion: 1)
        _ = try r.read(UInt16.self)
        _ = try r.readString()
        #expect(throws: AttuneMLError.corruptData("array of 100000 elements exceeds the blob")) { try r.readFloats() }
    }

    @Test func aFileThatShrinksWhileItIsReadIsRefusedNotReadPast() throws {
        let (bytes, _, _) = try Self.sample()
        let path = try Self.write(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try #require(BinaryFile(path: path))
        var r = try BinaryReader(file: file, tag: "TEST", maxVersion: 1)
        _ = try r.read(UInt16.self)
        _ = try r.readString()
        // The lengths were checked against the size at opening; the bytes are gone now.
        #expect(truncate(path, 100_000) == 0)
        #expect(throws: AttuneMLError.corruptData("truncated at byte 100000")) { try r.readFloats() }
    }

    @Test func aContinuingReaderChecksTheNestedHeaderAndRunsToTheEnd() throws {
        var inner = BinaryWriter(tag: "INNR", version: 2)
        inner.write([Float](repeating: 1.5, count: 40_000))
        var outer = BinaryWriter(tag: "OUTR", version: 1)
        outer.write(UInt32(9))
        outer.write(UInt64(inner.bytes.count))
        let bytes = outer.bytes + inner.bytes
        let path = try Self.write(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        for reader in [try BinaryReader(bytes, tag: "OUTR", maxVersion: 1),
                       try BinaryReader(file: try #require(BinaryFile(path: path)), tag: "OUTR", maxVersion: 1)] {
            var r = reader
            #expect(try r.read(UInt32.self) == 9)
            #expect(try r.read(UInt64.self) == UInt64(r.remainingBytes))
            #expect(try r.peek(8) == Array("ATMLINNR".utf8))
            #expect(throws: AttuneMLError.corruptData("blob holds another kind of model")) {
                try BinaryReader(continuing: r, tag: "OTHR", maxVersion: 2)
            }
            #expect(throws: AttuneMLError.self) { try BinaryReader(continuing: r, tag: "INNR", maxVersion: 1) }
            var nested = try BinaryReader(continuing: r, tag: "INNR", maxVersion: 2)
            #expect(nested.version == 2)
            #expect(try nested.readFloats() == [Float](repeating: 1.5, count: 40_000))
            try nested.expectEnd()
        }
    }

    @Test func anHNSWIndexDecodesTheSameFromAFile() throws {
        var generator = SeededGenerator(seed: 5)
        let vectors = (0..<300 * 8).map { _ in generator.nextUnitFloat() - 0.5 }
        let index = try HNSWIndex.build(
            vectors: vectors, dimension: 8, configuration: .init(metric: .innerProduct, neighbors: 6, efConstruction: 30, efSearch: 30))
        var outer = BinaryWriter(tag: "OUTR", version: 1)
        outer.write(UInt8(1))
        let bytes = outer.bytes + index.serialized()
        let path = try Self.write(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var reader = try BinaryReader(file: try #require(BinaryFile(path: path)), tag: "OUTR", maxVersion: 1)
        _ = try reader.read(UInt8.self)
        let fromFile = try HNSWIndex(continuing: reader)
        #expect(fromFile == index)
        #expect(try HNSWIndex(serialized: index.serialized()) == index)
    }
}
