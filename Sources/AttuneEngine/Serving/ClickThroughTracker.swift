import AttuneCore
import Foundation

/// Impressions and clicks of recommendation lists per served model version, counted as events are
/// stored; only events that echo a list's `recommendationId` count. An event is attributed to the version in its `modelVersion` property when the client
/// echoes it, else to the version being served when it arrives. In memory: the health check
/// compares versions within one process's life.
package final class ClickThroughTracker: FeedbackSink {
    package struct Counts: Sendable, Hashable {
        package var impressions = 0
        package var clicks = 0

        package init(impressions: Int = 0, clicks: Int = 0) {
            self.impressions = impressions
            self.clicks = clicks
        }

        package var rate: Double? { impressions > 0 ? Double(clicks) / Double(impressions) : nil }
    }

    let registry: ModelRegistry
    let impressionType: EventType
    let clickType: EventType
    private let counts = Locked<[WorkspaceID: [Int: Counts]]>([:])

    package init(registry: ModelRegistry, impressionType: EventType = EventType(unchecked: "impression"), clickType: EventType = .click) {
        self.registry = registry
        self.impressionType = impressionType
        self.clickType = clickType
    }

    package func record(_ events: [Event], in workspace: WorkspaceID) {
        var served: Int??
        var changes: [Int: Counts] = [:]
        for event in events where event.type == impressionType || event.type == clickType {
            // The browser tracker sends `click` for any marked element; only clicks on (and
            // impressions of) a served list, which echo its recommendationId, are click-through.
            guard Self.echoesList(event.properties) else { continue }
            if served == nil { served = .some(registry.model(for: workspace)?.version) }
            guard let version = Self.version(in: event.properties) ?? served ?? nil else { continue }
            if event.type == impressionType { changes[version, default: Counts()].impressions += 1 } else { changes[version, default: Counts()].clicks += 1 }
        }
        guard !changes.isEmpty else { return }
        counts.withLock { all in
            for (version, delta) in changes {
                all[workspace, default: [:]][version, default: Counts()].impressions += delta.impressions
                all[workspace, default: [:]][version, default: Counts()].clicks += delta.clicks
            }
        }
    }

    /// Counts per model version of one workspace.
    package func counts(in workspace: WorkspaceID) -> [Int: Counts] {
        counts.withLock { $0[workspace] ?? [:] }
    }

    package var workspaces: [WorkspaceID] {
        counts.withLock { Array($0.keys) }
    }

    static func echoesList(_ properties: String?) -> Bool {
        properties?.contains("\"recommendationId\":") ?? false
    }

    /// `modelVersion` from canonical properties JSON, without parsing the whole document.
    static func version(in properties: String?) -> Int? {
        guard let properties, let range = properties.range(of: "\"modelVersion\":") else { return nil }
        let digits = properties[range.upperBound...].prefix { $0.isNumber }
        return Int(digits)
    }
}
