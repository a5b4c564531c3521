import AttuneCore
import AttuneStore

/// Passes on only the events of people with personalization consent: learning online from an
/// event is training, which a person without that consent is left out of.
package struct ConsentFilteredFeedback: FeedbackSink {
    let store: any ConsentStore
    let sink: any FeedbackSink

    package init(store: any ConsentStore, sink: any FeedbackSink) {
        self.store = store
        self.sink = sink
    }

    package func record(_ events: [Event], in workspace: WorkspaceID) {
        let kept = events.filter { event in
            guard let subject = event.userID?.rawValue ?? event.anonymousID?.rawValue else { return true }
            // A failed check keeps the event out: leaving someone out of an update is safe.
            return (try? store.consentPermits(.personalization, for: subject, in: workspace)) ?? false
        }
        if !kept.isEmpty { sink.record(kept, in: workspace) }
    }
}
