import AttuneCore

/// Events destined for one workspace, appended together.
package struct EventBatch: Sendable {
    package var workspace: WorkspaceID
    package var events: [Event]

    package init(workspace: WorkspaceID, events: [Event]) {
        self.workspace = workspace
        self.events = events
    }
}

/// What happened to one batch: new events stored, and events whose id was already stored.
package struct AppendResult: Sendable, Equatable {
    package var inserted: Int
    package var duplicates: Int
    /// Events of people without analytics consent: counted, not stored.
    package var withheld: Int

    package init(inserted: Int = 0, duplicates: Int = 0, withheld: Int = 0) {
        self.inserted = inserted
        self.duplicates = duplicates
        self.withheld = withheld
    }
}

/// The durable, append-only event log.
package protocol EventStore: Sendable {
    /// Appends all batches in one durable transaction; returns once they are on disk.
    ///
    /// An event whose id is already stored in its workspace is counted as a duplicate and left as
    /// it was. Events of a person without analytics consent (``ConsentStore``) are counted as
    /// withheld and not stored. Either every batch is stored or none is.
    func append(_ batches: [EventBatch]) async throws -> [AppendResult]

    /// Events of a user, including those sent under anonymous ids linked to the user, in log
    /// order, starting after `cursor`.
    func events(of user: UserID, in workspace: WorkspaceID, after cursor: Int64?, limit: Int) async throws
        -> [StoredEvent]

    /// The user's newest `limit` events (including linked anonymous ids), oldest of them first.
    func recentEvents(of user: UserID, in workspace: WorkspaceID, limit: Int) async throws -> [StoredEvent]

    /// The items of the user's newest `limit` events that name one (including linked anonymous
    /// ids), oldest of them first: what serving needs from the log, without decoding whole events.
    func recentItems(of user: UserID, in workspace: WorkspaceID, limit: Int) async throws -> [ItemID]

    /// The whole log of a workspace in order, a page at a time.
    func events(in workspace: WorkspaceID, after cursor: Int64?, limit: Int) async throws -> [StoredEvent]

    /// The events that name both a user and an item, in log order, a page at a time, with only
    /// what training reads: `(sequence, user, item, type, milliseconds)`.
    func interactions(in workspace: WorkspaceID, after cursor: Int64?, limit: Int) async throws -> [Interaction]

    func event(id: EventID, in workspace: WorkspaceID) async throws -> StoredEvent?
}

/// One user-item event as training reads it.
package struct Interaction: Sendable, Equatable {
    package var sequence: Int64
    package var user: UserID
    package var item: ItemID
    package var type: EventType
    package var timestamp: Timestamp

    package init(sequence: Int64, user: UserID, item: ItemID, type: EventType, timestamp: Timestamp) {
        self.sequence = sequence
        self.user = user
        self.item = item
        self.type = type
        self.timestamp = timestamp
    }
}
