/// What a user's events say about them, kept up to date one event at a time: activity span,
/// counts by type, sessions, and purchases (recency, frequency, monetary value).
///
/// Applying events in log order from an empty value gives the same result whether it runs as
/// events stream in or over the whole log later (`attune profiles rebuild`); that is what makes
/// the streamed profile checkable. It therefore reads nothing but the events: category and tag
/// affinities depend on a catalogue that may be imported after the events, so they are derived
/// from the user's recent items when a profile is read (``LabelAffinity``).
package struct ProfileTraits: Sendable, Equatable {
    /// Milliseconds since the epoch; 0 before the first event.
    package var firstSeen: Int64 = 0
    package var lastSeen: Int64 = 0
    package var eventCount = 0
    package var countsByType: [String: Int] = [:]
    package var sessionCount = 0
    /// Duration of the sessions already closed, in milliseconds.
    package var closedSessionMilliseconds: Int64 = 0
    /// The open session: its client id (if any), its first and its latest event time.
    package var sessionID: String?
    package var sessionStart: Int64 = 0
    package var sessionLast: Int64 = 0
    package var purchaseCount = 0
    /// Sum of the `value` of purchase events.
    package var monetary: Double = 0
    package var lastPurchase: Int64?

    /// A session ends after 30 minutes without events, unless the client sends session ids.
    package static let sessionGap: Int64 = 30 * 60 * 1000

    package init() {}

    /// Folds in one stored event (segment events are skipped, as by the other form).
    package mutating func apply(_ event: Event) {
        apply(
            type: event.type.rawValue, sessionID: event.sessionID?.rawValue, value: event.value,
            timestamp: event.timestamp.millisecondsSinceEpoch)
    }

    /// Folds one event in.
    /// Segment events are the engine's record of its own evaluation, not behaviour: they are skipped.
    package mutating func apply(type: String, sessionID: String?, value: Double?, timestamp: Int64) {
        if SegmentEvents.isSegmentEvent(type) { return }
        if eventCount == 0 {
            firstSeen = timestamp
            lastSeen = timestamp
            startSession(sessionID, at: timestamp)
        } else {
            let newSession: Bool
            if let sessionID {
                newSession = sessionID != self.sessionID
            } else {
                newSession = self.sessionID != nil || abs(timestamp - sessionLast) > Self.sessionGap
            }
            if newSession {
                closedSessionMilliseconds += max(0, sessionLast - sessionStart)
                startSession(sessionID, at: timestamp)
            } else {
                sessionStart = min(sessionStart, timestamp)
                sessionLast = max(sessionLast, timestamp)
            }
            firstSeen = min(firstSeen, timestamp)
            lastSeen = max(lastSeen, timestamp)
        }
        eventCount += 1
        countsByType[type, default: 0] += 1
        if type == "purchase" {
            purchaseCount += 1
            if let value, value.isFinite { monetary += value }
            lastPurchase = max(lastPurchase ?? timestamp, timestamp)
        }
    }

    private mutating func startSession(_ id: String?, at timestamp: Int64) {
        sessionCount += 1
        sessionID = id
        sessionStart = timestamp
        sessionLast = timestamp
    }

    /// Mean session length in seconds.
    package var meanSessionSeconds: Double {
        guard sessionCount > 0 else { return 0 }
        return Double(closedSessionMilliseconds + max(0, sessionLast - sessionStart)) / Double(sessionCount) / 1000
    }

}
