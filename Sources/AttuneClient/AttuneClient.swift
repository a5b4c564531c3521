import Foundation

/// Sends events, identify and consent calls to an Attune server from Swift apps and servers:
/// calls are queued (on disk when `queueDirectory` is set), sent in batches, and retried with
/// exponential back-off until the server acknowledges them. Every event carries an id made here,
/// so a retry of a batch whose answer was lost is stored once.
///
///     let client = try AttuneClient(configuration: .init(endpoint: url, key: writeKey))
///     try await client.track("purchase", userID: "u42", itemID: "sku-1", value: 19.9)
///     let sender = Task { await client.run() }   // flushes every `flushInterval`
public actor AttuneClient {
    public let configuration: Configuration
    private let transport: any AttuneTransport
    private let sleep: @Sendable (Duration) async throws -> Void
    private var outbox: Outbox
    private var consents: [String: Consent] = [:]
    private var held: [String: [OutboxItem]] = [:]
    private var heldCount = 0
    private var flushing = false
    private var attempt = 0
    public private(set) var statistics = Statistics()

    /// - Parameters:
    ///   - transport: how requests are sent; URLSession by default.
    ///   - sleep: how `run()` waits; tests pass one that returns at once.
    /// - Throws: `AttuneClientError` when the queue directory cannot be read or written.
    public init(
        configuration: Configuration, transport: any AttuneTransport = URLSessionTransport(),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) throws {
        self.configuration = configuration
        self.transport = transport
        self.sleep = sleep
        self.outbox = try Outbox(capacity: max(1, configuration.maxQueue), directory: configuration.queueDirectory)
        if let file = Self.consentFile(configuration),
            let data = FileManager.default.contents(atPath: file.path),
            let stored = try? JSONDecoder().decode([String: Consent].self, from: data)
        {
            consents = stored
        }
    }

    /// Calls queued and not yet acknowledged (held events not included).
    public var pendingCount: Int { outbox.count }

    /// Queues an event.
    /// - Parameters:
    ///   - type: `view`, `click`, `purchase`, ... or any name of 1 to 64 bytes.
    ///   - userID: the known user; or `anonymousID` for a visitor not yet identified.
    ///   - properties: at most 16 KiB of JSON.
    /// - Returns: the event's id, or `nil` when consent gating dropped or held it.
    /// - Throws: `AttuneClientError` for an invalid argument; nothing is queued then.
    @discardableResult
    public func track(
        _ type: String, userID: String? = nil, anonymousID: String? = nil, sessionID: String? = nil, itemID: String? = nil,
        value: Double? = nil, properties: [String: AttuneValue] = [:], timestamp: Date = Date()
    ) throws(AttuneClientError) -> UUID? {
        guard !type.isEmpty, type.utf8.count <= 64, !type.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw .invalid("type", "must be 1 to 64 bytes without control characters")
        }
        guard let subject = userID ?? anonymousID else { throw .invalid("userID", "userID or anonymousID is required") }
        for (field, id) in [("userID", userID), ("anonymousID", anonymousID), ("sessionID", sessionID), ("itemID", itemID)] {
            if let id { try Self.validate(id, field: field) }
        }
        if let value, !value.isFinite { throw .invalid("value", "must be a finite number") }
        let id = UUID()
        var body: [String: AttuneValue] = [
            "id": .string(id.uuidString.lowercased()), "type": .string(type),
            "timestamp": .number((timestamp.timeIntervalSince1970 * 1000).rounded()),
        ]
        if let userID { body["userId"] = .string(userID) }
        if let anonymousID { body["anonymousId"] = .string(anonymousID) }
        if let sessionID { body["sessionId"] = .string(sessionID) }
        if let itemID { body["itemId"] = .string(itemID) }
        if let value { body["value"] = .number(value) }
        if !properties.isEmpty {
            let size = (try? JSONEncoder().encode(AttuneValue.object(properties)).count) ?? .max
            guard size <= 16 * 1024 else { throw .invalid("properties", "must be at most 16384 bytes of JSON") }
            body["properties"] = .object(properties)
        }
        let item = OutboxItem(id: id, kind: .event, method: "POST", path: "/v1/events", body: .object(body), subject: subject)
        return try admit(item) ? id : nil
    }

    /// Queues `POST /v1/identify`: `anonymousID` (the visitor so far) is the user `userID`.
    /// - Throws: `AttuneClientError` for an invalid argument.
    public func identify(userID: String, anonymousID: String? = nil, traits: [String: AttuneValue] = [:]) throws(AttuneClientError) {
        try Self.validate(userID, field: "userID")
        if let anonymousID { try Self.validate(anonymousID, field: "anonymousID") }
        guard anonymousID != nil || !traits.isEmpty else { throw .invalid("anonymousID", "anonymousID or traits is required") }
        var body: [String: AttuneValue] = ["userId": .string(userID)]
        if let anonymousID { body["anonymousId"] = .string(anonymousID) }
        if !traits.isEmpty { body["traits"] = .object(traits) }
        _ = try admit(OutboxItem(id: UUID(), kind: .identify, method: "POST", path: "/v1/identify", body: .object(body), subject: userID))
    }

    /// Records `consent` for a person: queued as `PUT /v1/users/{id}/consent` and applied to the
    /// gating at once. Held events are released (analytics given) or dropped (refused); a refusal
    /// also drops that person's queued, unsent events.
    /// - Throws: `AttuneClientError` for an invalid id or when the consent file cannot be written.
    public func setConsent(_ consent: Consent, for subject: String) throws(AttuneClientError) {
        try Self.validate(subject, field: "subject")
        consents[subject] = consent
        try saveConsents()
        let path = "/v1/users/" + (subject.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? subject) + "/consent"
        let body: AttuneValue = [
            "analytics": .bool(consent.analytics), "personalization": .bool(consent.personalization),
            "marketing": .bool(consent.marketing), "source": .string(configuration.consentSource),
        ]
        try outbox.append(OutboxItem(id: UUID(), kind: .consent, method: "PUT", path: path, body: body, subject: subject))
        let waiting = held.removeValue(forKey: subject) ?? []
        heldCount -= waiting.count
        if consent.analytics {
            for item in waiting { try append(item) }
        } else {
            statistics.dropped += waiting.count
            let before = outbox.count
            try outbox.removeAll { $0.subject == subject && $0.kind != .consent }
            statistics.dropped += before - outbox.count
        }
    }

    /// The consent last set for `subject` through this client.
    public func consent(for subject: String) -> Consent? { consents[subject] }

    /// Sends queued calls until none is left or the server cannot take them now.
    public func flush() async -> FlushOutcome {
        guard !flushing else { return .busy }
        flushing = true
        defer { flushing = false }
        while let next = nextRequest() {
            let (items, request) = next
            let response: AttuneResponse
            do {
                response = try await transport.send(request)
            } catch {
                statistics.failures += 1
                return .retryLater(pending: outbox.count)
            }
            let status = response.status
            if status == 408 || status == 429 || status >= 500 {
                statistics.failures += 1
                return .retryLater(pending: outbox.count)
            }
            if (200..<300).contains(status) {
                if items.first?.kind == .event, let report = try? JSONDecoder().decode(AttuneValue.self, from: response.body) {
                    if case .number(let n)? = report["duplicates"] { statistics.duplicates += Int(n) }
                    if case .array(let rejected)? = report["rejected"] { statistics.rejected += rejected.count }
                    if case .number(let n)? = report["accepted"] { statistics.sent += Int(n) }
                } else {
                    statistics.sent += items.count
                }
            } else {
                // Refused as such (invalid, wrong key): sending it again would be refused again.
                statistics.rejected += items.count
            }
            do { try outbox.remove(Set(items.map(\.id))) } catch { return .retryLater(pending: outbox.count) }
        }
        attempt = 0
        return .drained
    }

    /// Flushes every `flushInterval`, and after a failure waits with exponential back-off.
    /// Returns when the task running it is cancelled; what is queued stays queued (on disk when
    /// a directory is set) for the next start.
    public func run() async {
        while !Task.isCancelled {
            let wait: Duration
            switch await flush() {
            case .retryLater:
                attempt += 1
                wait = backoff(attempt)
            case .drained, .busy:
                wait = configuration.flushInterval
            }
            do { try await sleep(wait) } catch { return }
        }
    }

    /// The wait before retry number `attempt` (1-based), without jitter when `jitter` is 0.
    public nonisolated func backoff(_ attempt: Int) -> Duration {
        let base = configuration.retryBase * Int(1 << min(30, max(0, attempt - 1)))
        let capped = min(configuration.retryMax, base)
        guard configuration.jitter > 0 else { return capped }
        return capped * (1 - configuration.jitter * Double.random(in: 0..<1))
    }

    /// Closes the queue file; the client must not be used afterwards.
    public func close() {
        outbox.close()
    }

    // MARK: - Queue

    /// Queues, holds or drops an item according to the consent policy.
    private func admit(_ item: OutboxItem) throws(AttuneClientError) -> Bool {
        let analytics = consents[item.subject]?.analytics
        switch (configuration.consentPolicy, analytics) {
        case (_, false?), (.drop, nil):
            statistics.dropped += 1
            return false
        case (.hold, nil):
            held[item.subject, default: []].append(item)
            heldCount += 1
            if heldCount > configuration.maxQueue, let subject = held.first(where: { !$0.value.isEmpty })?.key {
                held[subject]!.removeFirst()
                heldCount -= 1
                statistics.dropped += 1
            }
            return false
        case (.notRequired, nil), (_, true?):
            try append(item)
            return true
        }
    }

    private func append(_ item: OutboxItem) throws(AttuneClientError) {
        let before = outbox.overflowed
        try outbox.append(item)
        statistics.dropped += outbox.overflowed - before
    }

    /// The next request: a batch of consecutive events, or one other call.
    private func nextRequest() -> ([OutboxItem], AttuneRequest)? {
        guard let first = outbox.items.first else { return nil }
        var items = [first]
        var body = first.body
        if first.kind == .event {
            items = []
            let limit = max(1, min(1_000, configuration.batchSize))
            let encoder = JSONEncoder()
            var size = 0
            for item in outbox.items {
                guard item.kind == .event, items.count < limit else { break }
                let bytes = (try? encoder.encode(item.body).count) ?? 0
                if !items.isEmpty, size + bytes > Self.maxBatchBytes { break }
                items.append(item)
                size += bytes
            }
            body = ["batch": .array(items.map(\.body))]
        }
        let url = URL(string: configuration.endpoint.absoluteString.trimmingSuffix("/") + first.path)!
        let data = (try? JSONEncoder().encode(body)) ?? Data()
        let request = AttuneRequest(
            method: first.method, url: url,
            headers: ["Authorization": "Bearer \(configuration.key)", "Content-Type": "application/json"], body: data)
        return (items, request)
    }

    /// Half the server's default body limit (1 MiB): a batch of large events is split rather
    /// than refused with 413 as a whole.
    static let maxBatchBytes = 512 * 1024

    private static func consentFile(_ configuration: Configuration) -> URL? {
        configuration.queueDirectory?.appendingPathComponent("consent.json")
    }

    private func saveConsents() throws(AttuneClientError) {
        guard let file = Self.consentFile(configuration) else { return }
        do {
            try JSONEncoder().encode(consents).write(to: file, options: .atomic)
        } catch {
            throw .storage("cannot write consent: \(error)")
        }
    }

    private static func validate(_ id: String, field: String) throws(AttuneClientError) {
        guard !id.isEmpty, id.utf8.count <= 256 else { throw .invalid(field, "must be 1 to 256 bytes") }
        guard !id.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { throw .invalid(field, "must not contain control characters") }
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: Character) -> Substring {
        var text = self[...]
        while text.last == suffix { text = text.dropLast() }
        return text
    }
}
