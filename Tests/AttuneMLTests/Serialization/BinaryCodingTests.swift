import Testing
@testable import AttuneML

struct BinaryCodingTests {
    @Test func writesLittleEndianWithHeader() {
        var w = BinaryWriter(tag: "TEST", version: 1)
        w.write(UInt32(0x0102_0304))
        #expect(Array(w.bytes[0..<8]) == Array("ATMLTEST".utf8))
        #expect(Array(w.bytes[8..<10]) == [1, 0])
        #expect(Array(w.bytes[10...]) == [4, 3, 2, 1])
    }

    @Test func roundTripsEveryFieldKind() throws {
        let sparse = try SparseMatrix(rowLists: [[1], [], [0, 2]], columnCount: 3)
        let dense = try DenseMatrix(rowCount: 2, columnCount: 2, values: [1, -2, 3.5, .infinity])
        var w = BinaryWriter(tag: "TEST", version: 2)
        w.write(Float(-0.25))
        w.write(Double(1e300))
        w.write([Int32(-5), 7])
        w.write(sparse)
        w.write(dense)
        var r = try BinaryReader(w.bytes, tag: "TEST", maxVersion: 2)
        #expect(r.version == 2)
        #expect(try r.readFloat() == -0.25)
        #expect(try r.readDouble() == 1e300)
        #expect(try r.readInt32s() == [-5, 7])
        #expect(try r.readSparseMatrix() == sparse)
        #expect(try r.readDenseMatrix() == dense)
        try r.expectEnd()
    }

    @Test func rejectsNewerVersions() {
        let w = BinaryWriter(tag: "TEST", version: 3)
        #expect(throws: AttuneMLError.unsupportedVersion("")) { try BinaryReader(w.bytes, tag: "TEST", maxVersion: 2) }
    }

    @Test func rejectsGarbageAndHugeCounts() {
        #expect(throws: AttuneMLError.corruptData("")) { try BinaryReader([1, 2, 3], tag: "TEST", maxVersion: 1) }
        var w = BinaryWriter(tag: "TEST", version: 1)
        w.write(UInt64.max)
        #expect(throws: AttuneMLError.corruptData("")) {
            var r = try BinaryReader(w.bytes, tag: "TEST", maxVersion: 1)
            _ = try r.readFloats()
        }
    }

    @Test func rejectsUnsortedSparseRows() throws {
        var w = BinaryWriter(tag: "TEST", version: 1)
        w.write(UInt64(1)); w.write(UInt64(3))
        w.write([0, 2]); w.write([Int32(2), 1]); w.write([Float(1), 1])
        #expect(throws: AttuneMLError.corruptData("")) {
            var r = try BinaryReader(w.bytes, tag: "TEST", maxVersion: 1)
            _ = try r.readSparseMatrix()
        }
    }
}
