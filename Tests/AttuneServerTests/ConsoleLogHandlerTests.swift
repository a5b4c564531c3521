import AttuneCore
@testable import AttuneServer
import Foundation
import Logging
import Testing

@Suite struct ConsoleLogHandlerTests {
    /// The lines a logger wrote through a ``ConsoleLogHandler``.
    final class Lines: Sendable {
        private let lines = Locked<[String]>([])
        var all: [String] { lines.withLock { $0 } }

        func logger(label: String, level: Logger.Level = .info) -> Logger {
            Logger(label: label) { label in ConsoleLogHandler(label: label, level: level) { line in self.lines.withLock { $0.append(line) } } }
        }
    }

    @Test func writesStreamLogHandlersLineWithMetadataSortedByKey() throws {
        let lines = Lines()
        var logger = lines.logger(label: "attune")
        logger[metadataKey: "b.key"] = "2"
        logger[metadataKey: "a.key"] = "1"
        logger.info("model promoted", metadata: ["c.key": "3", "a.key": "overridden"])
        let line = try #require(lines.all.first)
        #expect(line.hasSuffix(" info attune: a.key=overridden b.key=2 c.key=3 [AttuneServerTests] model promoted\n"))
        // 2026-11-30T22:18:45+0000, local time with its offset, as StreamLogHandler writes it.
        let stamp = try #require(line.split(separator: " ").first)
        #expect(stamp.count == 24)
        #expect(try #require(stamp.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}/)).output == stamp)
    }

    @Test func aLineWithoutMetadataHasNoEmptyField() throws {
        let lines = Lines()
        lines.logger(label: "attune.worker").warning("leadership released")
        #expect(try #require(lines.all.first).hasSuffix(" warning attune.worker: [AttuneServerTests] leadership released\n"))
    }

    @Test func messagesBelowTheLevelAreNotWritten() {
        let lines = Lines()
        var logger = lines.logger(label: "attune", level: .warning)
        logger[metadataKey: "hb.request.id"] = "1"
        logger.info("not written")
        logger.debug("not written")
        logger.error("written")
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.contains("hb.request.id=1 [AttuneServerTests] written") == true)
    }

    @Test func metadataSetOnACopyStaysOnTheCopy() {
        let lines = Lines()
        let base = lines.logger(label: "attune")
        var request = base
        request[metadataKey: "attune.workspace"] = "shop"
        base.info("base")
        request.info("request")
        #expect(lines.all.count == 2)
        #expect(lines.all[0].contains("attune: [AttuneServerTests] base"))
        #expect(lines.all[1].contains("attune: attune.workspace=shop [AttuneServerTests] request"))
    }

    @Test func anErrorIsWrittenAsItsMessageAndType() throws {
        struct Refused: Error, CustomStringConvertible { var description: String { "refused" } }
        let lines = Lines()
        lines.logger(label: "attune").error("retraining failed", error: Refused())
        let line = try #require(lines.all.first)
        #expect(line.contains("error.message=refused"))
        #expect(line.contains("error.type=AttuneServerTests.ConsoleLogHandlerTests."))
    }

    @Test func aProvidersMetadataIsMerged() throws {
        let lines = Locked<[String]>([])
        let provider = Logger.MetadataProvider { ["trace.id": "abc"] }
        let logger = Logger(label: "attune") { label in
            ConsoleLogHandler(label: label, metadataProvider: provider) { line in lines.withLock { $0.append(line) } }
        }
        logger.info("hello")
        #expect(try #require(lines.withLock { $0.first }).contains("attune: trace.id=abc [AttuneServerTests] hello"))
    }

    @Test func aProviderSetOnOneCopyLeavesTheOtherAlone() throws {
        let lines = Locked<[String]>([])
        var original = ConsoleLogHandler(label: "attune") { line in lines.withLock { $0.append(line) } }
        var copy = original
        copy.metadataProvider = Logger.MetadataProvider { ["trace.id": "abc"] }
        original.metadata["request.id"] = "1"
        Logger(label: "attune") { _ in original }.info("first")
        Logger(label: "attune") { _ in copy }.info("second")
        let written = lines.withLock { $0 }
        #expect(written.count == 2)
        #expect(written[0].contains("attune: request.id=1 [AttuneServerTests] first"))
        #expect(written[1].contains("attune: trace.id=abc [AttuneServerTests] second"))
    }

    /// A `Logger` holds its handler in an existential: a handler of at most three words is stored
    /// inline, so copying a logger and setting a request's metadata on it allocates nothing more.
    @Test func theHandlerFitsAnExistentialsInlineBuffer() {
        #expect(MemoryLayout<ConsoleLogHandler>.size <= 3 * MemoryLayout<Int>.size)
    }
}
