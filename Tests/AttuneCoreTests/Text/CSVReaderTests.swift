import AttuneCore
import Testing

struct CSVReaderTests {
    func records(_ text: String, delimiter: UInt8 = UInt8(ascii: ",")) -> ([CSVReader.Record], [CSVReader.Problem]) {
        records(Array(text.utf8), delimiter: delimiter)
    }

    func records(_ bytes: [UInt8], delimiter: UInt8 = UInt8(ascii: ",")) -> ([CSVReader.Record], [CSVReader.Problem]) {
        var out: [CSVReader.Record] = []
        var problems: [CSVReader.Problem] = []
        bytes.withUnsafeBufferPointer { buffer in
            CSVReader(delimiter: delimiter).forEachRecord(in: buffer) { problems.append($0) } _: { out.append($0) }
        }
        return (out, problems)
    }

    @Test func readsQuotedFieldsWithEmbeddedDelimitersQuotesAndNewlines() {
        let (rows, problems) = records("a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\"two\nlines\"\n4,5,6")
        #expect(problems.isEmpty)
        #expect(rows.map(\.fields) == [["a", "b", "c"], ["x,1", "say \"hi\"", "two\nlines"], ["4", "5", "6"]])
        #expect(rows.map(\.line) == [1, 2, 4])
    }

    @Test func skipsBlankLinesAndAByteOrderMark() {
        let (rows, _) = records([0xEF, 0xBB, 0xBF] + Array("h\n\n1\n\n".utf8))
        #expect(rows.map(\.fields) == [["h"], ["1"]])
        #expect(rows.map(\.line) == [1, 3])
    }

    @Test func keepsEmptyTrailingFields() {
        let (rows, _) = records("a,b,\n")
        #expect(rows.first?.fields == ["a", "b", ""])
    }

    @Test func reportsInvalidUTF8AndUnterminatedQuotesByLine() {
        let (rows, problems) = records(Array("h\nok\n".utf8) + [0xFF, 0x0A] + Array("\"open\n".utf8))
        #expect(rows.map(\.fields) == [["h"], ["ok"]])
        #expect(problems == [.invalidUTF8(line: 3), .unterminatedQuote(line: 4)])
    }

    @Test func readsTabSeparatedFiles() {
        let (rows, _) = records("user_id:token\titem_id:token\n1\t2\n", delimiter: 0x09)
        #expect(rows.map(\.fields) == [["user_id:token", "item_id:token"], ["1", "2"]])
    }
}
