import AttuneCore
import AttuneML
import AttuneStore
import Foundation

/// Settings of customer-text ingest.
package struct TextConfiguration: Sendable {
    /// Longer texts are refused with 413. Default 16 KiB.
    package var maxTextBytes = 16 << 10
    /// A mention in a text scoring at or below this suppresses the item (or the brand's items) in
    /// that user's recommendations; `nil` turns suppression off. Default -0.5.
    package var suppressionThreshold: Double? = -0.5

    package init() {}
}

/// Analyses and stores customer texts: sentiment, entities, catalogue mentions, personal data
/// pseudonymised before anything is written.
package struct TextIngestion: Sendable {
    let store: any AttuneStorage
    let clock: any WallClock
    package let analyzer: TextAnalyzer
    package let names: CatalogNameIndex
    package let configuration: TextConfiguration

    package init(
        store: any AttuneStorage, clock: any WallClock, analyzer: TextAnalyzer, names: CatalogNameIndex = CatalogNameIndex(),
        configuration: TextConfiguration = TextConfiguration()
    ) {
        self.store = store
        self.clock = clock
        self.analyzer = analyzer
        self.names = names
        self.configuration = configuration
    }

    /// The current time of the ingest clock (validation measures future times against it).
    package func now() -> Timestamp { clock.now() }

    /// Analyses and stores one text.
    /// - Returns: the stored text.
    package func ingest(_ submission: TextSubmission, in workspace: WorkspaceID) async throws -> CustomerText {
        try TextSubmission.validate(text: submission.text, maxBytes: configuration.maxTextBytes)
        let catalogue = try await names.names(in: workspace, store: store)
        let analysis = analyzer.analyze(submission.text, names: catalogue)
        let now = clock.now()
        var targets = analysis.mentions
        if let item = submission.item, !targets.contains(.item(item)) { targets.insert(.item(item), at: 0) }
        let compound = analysis.sentiment?.compound
        let text = CustomerText(
            id: TextID(unchecked: EventID.random().uuidString), user: submission.user, source: submission.source,
            body: analysis.body, time: submission.time ?? now, item: submission.item, sentiment: compound,
            sentimentLabel: analysis.sentiment?.label.rawValue, entities: analysis.entities.serialized(),
            mentions: targets.map { TextMention(target: $0, sentiment: compound) }, createdAt: now)
        try await store.appendText(text, in: workspace)
        return text
    }
}
