// libFuzzer entry point for every parser that reads untrusted bytes. Built by scripts/fuzz.sh,
// never by the package: the target is chosen with ATTUNE_FUZZ_TARGET so that one instrumented
// build serves them all.
import AttuneCore
import Foundation

private let target = ProcessInfo.processInfo.environment["ATTUNE_FUZZ_TARGET"] ?? "json"
private let epoch = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)

@_cdecl("LLVMFuzzerTestOneInput")
public func attuneFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    switch target {
    case "json": FuzzJSON.run(bytes)
    case "event": FuzzDecoders.run(bytes)
    case "csv": FuzzCSV.run(bytes)
    case "import": FuzzImport.run(bytes)
    case "rule": FuzzRule.run(bytes)
    case "query": FuzzQuery.run(bytes)
    default: fatalError("unknown ATTUNE_FUZZ_TARGET \(target)")
    }
    return 0
}

/// The JSON parser must accept or refuse without crashing, and what it accepts must survive a
/// serialise-and-parse round trip unchanged (the server echoes stored JSON back to clients).
enum FuzzJSON {
    static func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let value = try? JSONParser().parse(bytes) else { return }
        let text = value.serialized()
        guard let again = try? JSONParser().parse(text) else {
            fatalError("serialised JSON does not parse again: \(text)")
        }
        guard again == value else { fatalError("JSON round trip changed the value: \(text)") }
    }
}

/// Every decoder that validates a request body: events, identify, items, experiments, profile
/// patches, webhooks. Refusals are expected; crashes and traps are not.
enum FuzzDecoders {
    static func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let value = try? JSONParser().parse(bytes) else { return }
        let values: [JSONValue]
        if case .array(let elements) = value { values = elements } else { values = [value] }
        for value in values.prefix(64) {
            _ = try? EventDecoder().decode(value, receivedAt: epoch) { EventID(high: 1, low: 2) }
            _ = try? Identify.decode(value, receivedAt: epoch)
            _ = try? ItemDecoder().decode(value, pathID: nil, now: epoch)
            _ = try? ExperimentDefinition.decode(value)
            _ = try? DeclaredAttributes.validatePatch(value)
            if case .string(let text) = value {
                _ = try? Webhook.validatedURL(text)
                _ = try? Segment.validatedName(text)
                _ = try? EventType.validated(text, field: "type")
                _ = try? ExperimentKey.validated(text, field: "key")
            }
        }
    }
}

/// The CSV reader, comma and tab separated: every record it reports holds valid strings.
enum FuzzCSV {
    static func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        for delimiter in [UInt8(ascii: ","), UInt8(ascii: "\t")] {
            var lastLine = 0
            CSVReader(delimiter: delimiter).forEachRecord(in: bytes, onProblem: { _ in }) { record in
                precondition(record.line > lastLine, "record lines must increase")
                precondition(record.endOffset <= bytes.count, "record ends past the input")
                lastLine = record.line
            }
        }
    }
}

/// The import readers as `attune import` runs them, through a file (CSV, TSV and JSON Lines),
/// with the cell typing applied to every cell.
enum FuzzImport {
    private static let path: String = {
        let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return "\(folder)/attune-fuzz-import-\(getpid())"
    }()

    static func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard FileManager.default.createFile(atPath: path, contents: Data(buffer: bytes)) else { return }
        for format in TabularFormat.allCases {
            try? TabularSource(path: path, format: format).forEachRow(onProblem: { _, _ in }, progress: { _, _ in }) { row in
                for cell in row.cells.values { _ = CellTyping.typed(cell) }
                _ = CellTyping.members(of: row, excluding: [])
            }
        }
    }
}

/// The rule language (segments and item rules): a compiled rule prints to text that compiles to
/// the same rule, and evaluating it against missing fields never traps.
enum FuzzRule {
    static func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        for schema in [nil, ItemRules.schema] {
            guard let rule = try? RuleExpression.compile(utf8: bytes, schema: schema, expecting: nil) else { continue }
            guard let again = try? RuleExpression.compile(rule.description, schema: schema, expecting: nil) else {
                fatalError("printed rule does not compile again: \(rule.description)")
            }
            guard again.description == rule.description else {
                fatalError("printed rule changed on a second print: \(rule.description) -> \(again.description)")
            }
            _ = rule.evaluate(now: epoch) { _ in .null }
            _ = rule.evaluate(now: epoch) { _ in .number(.greatestFiniteMagnitude) }
            _ = rule.evaluate(now: epoch) { _ in .list([.string(""), .number(-0.0)]) }
        }
    }
}

/// Query strings, split as a server does, with each value given to the validator the
/// controllers use for that parameter.
enum FuzzQuery {
    static func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        let query = String(decoding: bytes, as: UTF8.self)
        for pair in query.split(separator: "&").prefix(32) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let value = String(parts[1]).removingPercentEncoding else { continue }
            switch parts[0] {
            case "user": _ = try? UserID.validated(value, field: "user")
            case "exclude":
                for id in value.split(separator: ",").prefix(64) { _ = try? ItemID.validated(String(id), field: "exclude") }
            case "category": _ = try? ItemDecoder.validLabel(value, field: "category")
            case "segment": _ = try? SegmentID.validated(value, field: "segment")
            case "experiment": _ = try? ExperimentKey.validated(value, field: "experiment")
            case "filter": _ = try? ItemRules.compile(value, field: "filter")
            case "boost": _ = try? ItemRules.boost(value, field: "boost")
            case "cursor":
                if let text = try? Cursor.decode(value) {
                    precondition((try? Cursor.decode(Cursor.encode(text))) == text, "a cursor does not survive re-encoding")
                }
                _ = try? Cursor.decodeSequence(value)
            default:
                _ = Int(value)
                _ = Float(value)
                _ = Bool(value)
            }
        }
    }
}
