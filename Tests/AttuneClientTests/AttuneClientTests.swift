import AttuneClient
import Foundation
import Testing

struct AttuneClientTests {
    static func configuration(_ endpoint: URL, queue: URL? = nil) -> AttuneClient.Configuration {
        var configuration = AttuneClient.Configuration(endpoint: endpoint, key: LiveServer.write)
        configuration.queueDirectory = queue
        configuration.batchSize = 20
        configuration.jitter = 0
        return configuration
    }

    @Test func eventsQueuedWhileTheServerIsDownArriveOnceAfterARestart() async throws {
        let queue = temporaryQueueDirectory()
        let down = try AttuneClient(configuration: Self.configuration(unreachable, queue: queue))
        for n in 0..<45 {
            try await down.track("view", userID: "u1", itemID: "i\(n)")
        }
        try await down.identify(userID: "u1", anonymousID: "a1")
        #expect(await down.flush() == .retryLater(pending: 46))
        #expect(await down.statistics.failures == 1)
        await down.close()

        let server = try LiveServer()
        try await server.run { url in
            let up = try AttuneClient(configuration: Self.configuration(url, queue: queue))
            #expect(await up.pendingCount == 46)
            #expect(await up.flush() == .drained)
            #expect(await up.statistics.sent == 46)
            #expect(await up.pendingCount == 0)
            await up.close()
        }
        #expect(try await server.types(of: "u1") == Array(repeating: "view", count: 45))
        let again = try AttuneClient(configuration: Self.configuration(unreachable, queue: queue))
        #expect(await again.pendingCount == 0)
    }

    @Test func aBatchWhoseAnswerWasLostIsStoredOnce() async throws {
        let server = try LiveServer()
        try await server.run { url in
            let client = try AttuneClient(configuration: Self.configuration(url), transport: LosingTransport(lose: 1))
            for n in 0..<10 { try await client.track("click", userID: "u2", itemID: "i\(n)") }
            #expect(await client.flush() == .retryLater(pending: 10))
            #expect(await client.flush() == .drained)
            let statistics = await client.statistics
            #expect(statistics.duplicates == 10)
            #expect(statistics.sent == 0)
        }
        #expect(try await server.eventCount() == 10)
    }

    @Test func runBacksOffExponentiallyUntilTheServerRecovers() async throws {
        let server = try LiveServer()
        try await server.run { url in
            var configuration = Self.configuration(url)
            configuration.retryBase = .seconds(1)
            configuration.retryMax = .seconds(4)
            configuration.flushInterval = .seconds(5)
            let sleep = RecordingSleep(limit: 6)
            let client = try AttuneClient(
                configuration: configuration, transport: FailingTransport(failures: 4, status: 503), sleep: { try await sleep.sleep($0) })
            try await client.track("view", userID: "u3")
            await client.run()
            #expect(sleep.recorded == [.seconds(1), .seconds(2), .seconds(4), .seconds(4), .seconds(5), .seconds(5)])
            #expect(await client.pendingCount == 0)
        }
        #expect(try await server.types(of: "u3") == ["view"])
    }

    @Test func theQueueIsBoundedAndKeepsTheNewestAcrossARestart() async throws {
        let queue = temporaryQueueDirectory()
        var configuration = Self.configuration(unreachable, queue: queue)
        configuration.maxQueue = 5
        let first = try AttuneClient(configuration: configuration)
        for n in 0..<8 { try await first.track("t\(n)", userID: "u4") }
        #expect(await first.pendingCount == 5)
        #expect(await first.statistics.dropped == 3)
        await first.close()
        let server = try LiveServer()
        try await server.run { [configuration] url in
            var restarted = configuration
            restarted.endpoint = url
            let second = try AttuneClient(configuration: restarted)
            #expect(await second.pendingCount == 5)
            #expect(await second.flush() == .drained)
        }
        #expect(try await server.types(of: "u4") == ["t3", "t4", "t5", "t6", "t7"])
    }

    @Test func heldEventsWaitForConsentAndGoWhenItIsGiven() async throws {
        let server = try LiveServer()
        try await server.run { url in
            var configuration = Self.configuration(url)
            configuration.consentPolicy = .hold
            let client = try AttuneClient(configuration: configuration)
            #expect(try await client.track("view", userID: "u5") == nil)
            #expect(try await client.track("view", userID: "u6") == nil)
            #expect(await client.pendingCount == 0)
            #expect(await client.flush() == .drained)
            try await client.setConsent(Consent(analytics: true, personalization: false, marketing: false), for: "u5")
            try await client.setConsent(Consent(analytics: false, personalization: false, marketing: false), for: "u6")
            // The consent calls and u5's held event.
            #expect(await client.pendingCount == 3)
            #expect(try await client.track("purchase", userID: "u5") != nil)
            #expect(try await client.track("purchase", userID: "u6") == nil)
            #expect(await client.flush() == .drained)
            #expect(await client.statistics.dropped == 2)
        }
        #expect(try await server.types(of: "u5") == ["view", "purchase"])
        #expect(try await server.types(of: "u6") == [])
    }

    @Test func withoutConsentEventsAreDroppedAndARefusalDropsWhatWaits() async throws {
        let queue = temporaryQueueDirectory()
        var configuration = Self.configuration(unreachable, queue: queue)
        configuration.consentPolicy = .drop
        let client = try AttuneClient(configuration: configuration)
        #expect(try await client.track("view", userID: "u7") == nil)
        try await client.setConsent(Consent(analytics: true, personalization: true, marketing: true), for: "u7")
        #expect(try await client.track("view", userID: "u7") != nil)
        #expect(await client.pendingCount == 2)
        try await client.setConsent(Consent(analytics: false, personalization: false, marketing: false), for: "u7")
        // Both consent calls stay; the event is gone.
        #expect(await client.pendingCount == 2)
        await client.close()
        // Consent is remembered across a restart.
        let restarted = try AttuneClient(configuration: configuration)
        #expect(await restarted.consent(for: "u7")?.analytics == false)
        #expect(try await restarted.track("view", userID: "u7") == nil)
    }

    @Test func invalidCallsThrowAndQueueNothing() async throws {
        let client = try AttuneClient(configuration: Self.configuration(unreachable))
        let huge = AttuneValue.string(String(repeating: "x", count: 17_000))
        let calls: [(String, @Sendable () async throws -> Void)] = [
            ("type", { try await client.track("", userID: "u") }),
            ("type", { try await client.track(String(repeating: "t", count: 65), userID: "u") }),
            ("type", { try await client.track("a\nb", userID: "u") }),
            ("userID", { try await client.track("view") }),
            ("itemID", { try await client.track("view", userID: "u", itemID: "") }),
            ("userID", { try await client.track("view", userID: String(repeating: "u", count: 257)) }),
            ("value", { try await client.track("view", userID: "u", value: .nan) }),
            ("properties", { try await client.track("view", userID: "u", properties: ["p": huge]) }),
            ("anonymousID", { try await client.identify(userID: "u") }),
        ]
        for (field, call) in calls {
            await #expect(throws: AttuneClientError.invalid(field, "")) { try await call() }
        }
        #expect(await client.pendingCount == 0)
    }

    @Test func aTornLastLineOfTheQueueFileIsSkipped() async throws {
        let queue = temporaryQueueDirectory()
        let first = try AttuneClient(configuration: Self.configuration(unreachable, queue: queue))
        try await first.track("view", userID: "u8")
        try await first.track("view", userID: "u8")
        await first.close()
        let file = queue.appendingPathComponent("outbox.jsonl")
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"add": {"id": "6f0c"#.utf8))
        try handle.close()
        let second = try AttuneClient(configuration: Self.configuration(unreachable, queue: queue))
        #expect(await second.pendingCount == 2)
    }

    @Test func largeEventsAreSplitIntoBatchesTheServerAccepts() async throws {
        let server = try LiveServer()
        try await server.run { url in
            var configuration = Self.configuration(url)
            configuration.batchSize = 100
            let client = try AttuneClient(configuration: configuration)
            let text = AttuneValue.string(String(repeating: "x", count: 15_000))
            // 100 events of 15 KB: 1.5 MB in one batch would be refused (413) as a whole.
            for n in 0..<100 { try await client.track("review", userID: "u10", properties: ["text": text, "n": .number(Double(n))]) }
            #expect(await client.flush() == .drained)
            let statistics = await client.statistics
            #expect(statistics.sent == 100)
            #expect(statistics.rejected == 0)
        }
        #expect(try await server.eventCount() == 100)
    }

    @Test func concurrentCallersAndFlushesStoreEveryEventOnce() async throws {
        let server = try LiveServer()
        try await server.run { url in
            let client = try AttuneClient(configuration: Self.configuration(url), transport: LosingTransport(lose: 3))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for n in 0..<50 {
                            try await client.track("view", userID: "w\(worker)", itemID: "i\(n)")
                            if n % 10 == 9 { _ = await client.flush() }
                        }
                    }
                }
                try await group.waitForAll()
            }
            while await client.flush() != .drained {}
            #expect(await client.pendingCount == 0)
        }
        #expect(try await server.eventCount() == 400)
        for worker in 0..<8 {
            #expect(try await server.types(of: "w\(worker)").count == 50)
        }
    }

    @Test func refusedCallsAreDroppedNotRetried() async throws {
        let server = try LiveServer()
        try await server.run { url in
            var configuration = Self.configuration(url)
            configuration.key = "not-a-real-key-0123456789"
            let client = try AttuneClient(configuration: configuration)
            try await client.track("view", userID: "u9")
            #expect(await client.flush() == .drained)
            #expect(await client.statistics.rejected == 1)
            #expect(await client.pendingCount == 0)
        }
        #expect(try await server.eventCount() == 0)
    }
}
