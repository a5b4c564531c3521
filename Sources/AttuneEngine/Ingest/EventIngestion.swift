import AttuneCore
import AttuneStore

/// The outcome of one `POST /v1/events` call.
package struct IngestReport: Sendable, Equatable {
    package struct Rejection: Sendable, Equatable {
        package var index: Int
        package var error: AttuneError
    }

    package var received: Int
    package var accepted: Int
    package var duplicates: Int
    /// Valid events of people without analytics consent: counted, not stored.
    package var withheld: Int = 0
    package var rejected: [Rejection]
    /// Ids of the accepted events, in request order (client-sent or assigned).
    package var ids: [EventID]
}

/// Validates event payloads and hands valid events to the group-commit writer.
package struct EventIngestion: Sendable {
    package static let maxBatchEvents = 1_000

    private let writer: EventWriter
    private let clock: any WallClock
    private let decoder: EventDecoder
    /// Told about stored events, for models that learn online.
    private let feedback: (any FeedbackSink)?
    /// Counts received and refused events for the dashboard; `nil` counts nothing.
    package let tally: IngestionTally?
    /// Replaces personal fields of properties and context by their tokens; `nil` stores them as sent.
    package var pii: PIIProtection?

    package init(
        writer: EventWriter, clock: any WallClock, decoder: EventDecoder = EventDecoder(), feedback: (any FeedbackSink)? = nil,
        tally: IngestionTally? = nil
    ) {
        self.writer = writer
        self.clock = clock
        self.decoder = decoder
        self.feedback = feedback
        self.tally = tally
    }

    /// A batch with replays is not passed on: which of its events were new is not known here,
    /// and learning twice from one event would bias the model.
    private func report(_ events: [Event], _ result: AppendResult, in workspace: WorkspaceID) {
        guard let feedback, result.duplicates == 0, result.inserted == events.count else { return }
        feedback.record(events, in: workspace)
    }

    /// Counts a request refused whole, and hands its error back to be thrown.
    private func refused(_ error: AttuneError, in workspace: WorkspaceID) -> AttuneError {
        tally?.recordRefused(error, events: 0, in: workspace)
        return error
    }

    private func decoded(_ json: JSONValue, receivedAt: Timestamp, newID: () -> EventID) throws(AttuneError) -> Event {
        var event = try decoder.decode(json, receivedAt: receivedAt, newID: newID)
        if let pii {
            try PIIProtection.refusePersonalIDs(of: event, user: "userId", anonymous: "anonymousId")
            try pii.protect(&event)
        }
        return event
    }

    /// Accepts `{...}` (one event) or `{"batch": [...]}`.
    ///
    /// In a batch, each invalid event is reported by index and the valid ones are still stored.
    /// - Throws: `AttuneError` for a single invalid event, a malformed batch envelope, or more
    ///   than `maxBatchEvents` events (`payloadTooLarge`); storage errors pass through.
    package func ingest(_ body: JSONValue, into workspace: WorkspaceID) async throws -> IngestReport {
        let receivedAt = clock.now()
        let newID = { EventID.random() }
        guard case .object(let members) = body else {
            throw refused(.invalid("", "body must be an event object or {\"batch\": [...]}"), in: workspace)
        }
        if members.contains(where: { $0.key == "batch" }) {
            guard members.count == 1 else {
                throw refused(.invalid("batch", "a batch body holds only the \"batch\" field"), in: workspace)
            }
            guard case .array(let elements)? = body["batch"] else {
                throw refused(.invalid("batch", "must be an array of events"), in: workspace)
            }
            guard elements.count <= Self.maxBatchEvents else {
                throw refused(.tooLarge("a batch holds at most \(Self.maxBatchEvents) events"), in: workspace)
            }
            guard !elements.isEmpty else { throw refused(.invalid("batch", "must not be empty"), in: workspace) }
            var events: [Event] = []
            events.reserveCapacity(elements.count)
            var rejected: [IngestReport.Rejection] = []
            for (index, element) in elements.enumerated() {
                do {
                    events.append(try decoded(element, receivedAt: receivedAt, newID: newID))
                } catch {
                    rejected.append(.init(index: index, error: error.nested(under: "batch[\(index)]")))
                }
            }
            let result = try await writer.append(EventBatch(workspace: workspace, events: events))
            report(events, result, in: workspace)
            let outcome = IngestReport(
                received: elements.count, accepted: result.inserted, duplicates: result.duplicates, withheld: result.withheld,
                rejected: rejected, ids: events.map(\.id))
            tally?.record(outcome, in: workspace)
            return outcome
        }
        let event: Event
        do {
            event = try decoded(body, receivedAt: receivedAt, newID: newID)
        } catch {
            tally?.recordRefused(error, events: 1, in: workspace)
            throw error
        }
        let result = try await writer.append(EventBatch(workspace: workspace, events: [event]))
        report([event], result, in: workspace)
        let outcome = IngestReport(
            received: 1, accepted: result.inserted, duplicates: result.duplicates, withheld: result.withheld, rejected: [],
            ids: [event.id])
        tally?.record(outcome, in: workspace)
        return outcome
    }
}
