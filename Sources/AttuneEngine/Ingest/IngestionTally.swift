import AttuneCore
import Metrics

/// What ingestion received and refused since the process started, per workspace, with the
/// refusals grouped by reason (error code and field, without the batch index): the dashboard's
/// "ingestion errors". In memory, like the Prometheus counters it feeds.
package final class IngestionTally: Sendable {
    package struct Counts: Sendable, Equatable {
        /// Events in request bodies that parsed as JSON.
        package var received = 0
        package var accepted = 0
        package var duplicates = 0
        /// Events refused as invalid, and requests refused whole (bad JSON, too large).
        package var rejectedEvents = 0
        package var rejectedRequests = 0
        /// `invalid_value userId` → how many times.
        package var reasons: [String: Int] = [:]

        package init() {}
    }

    /// Distinct reasons kept per workspace; past it, new ones are counted as `other`.
    static let maxReasons = 50

    private let counts = Locked<[WorkspaceID: Counts]>([:])
    private let rejected = Counter(label: "attune_events_rejected_total")
    private let refusedRequests = Counter(label: "attune_event_requests_rejected_total")

    package init() {}

    /// Counts one call's outcome.
    package func record(_ report: IngestReport, in workspace: WorkspaceID) {
        if !report.rejected.isEmpty { rejected.increment(by: report.rejected.count) }
        counts.withLock { all in
            var c = all[workspace] ?? Counts()
            c.received += report.received
            c.accepted += report.accepted
            c.duplicates += report.duplicates
            c.rejectedEvents += report.rejected.count
            for rejection in report.rejected { Self.note(rejection.error, in: &c) }
            all[workspace] = c
        }
    }

    /// Counts a request refused before any of its events could be stored: a body that is not
    /// JSON, too large, or a single invalid event.
    package func recordRefused(_ error: AttuneError, events: Int, in workspace: WorkspaceID) {
        refusedRequests.increment()
        if events > 0 { rejected.increment(by: events) }
        counts.withLock { all in
            var c = all[workspace] ?? Counts()
            c.received += events
            c.rejectedEvents += events
            c.rejectedRequests += 1
            Self.note(error, in: &c)
            all[workspace] = c
        }
    }

    package func counts(in workspace: WorkspaceID) -> Counts {
        counts.withLock { $0[workspace] ?? Counts() }
    }

    private static func note(_ error: AttuneError, in counts: inout Counts) {
        let key = reason(error)
        if counts.reasons[key] != nil || counts.reasons.count < maxReasons {
            counts.reasons[key, default: 0] += 1
        } else {
            counts.reasons["other", default: 0] += 1
        }
    }

    /// `invalid_value userId` from `batch[3].userId`: the index would make every row distinct.
    static func reason(_ error: AttuneError) -> String {
        guard var field = error.field, !field.isEmpty else { return error.code.description }
        if field.hasPrefix("batch["), let close = field.firstIndex(of: "]") {
            field = String(field[field.index(after: close)...])
            if field.hasPrefix(".") { field.removeFirst() }
        }
        return field.isEmpty ? error.code.description : "\(error.code) \(field)"
    }
}
