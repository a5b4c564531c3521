import AttuneCore
import AttuneML

/// A user's behaviour in the served model's labels: what every personal recommendation request
/// needs before it scores anything (the recent items looked up by id, the trained row, the set
/// of consumed items, the anchors for reasons).
///
/// It is a pure function of the store's answer (`recent`), the user's row in the served user
/// vocabulary and the load and revision of the model (items vocabulary, items added since
/// training), and ``ResolvedHistoryCache`` keeps it only as long as all of these are unchanged.
struct ResolvedHistory: Sendable {
    /// The load (``ServingModel/generation``) and live catalogue revision resolved against.
    let generation: UInt64
    let revision: Int
    /// The store's answer it was resolved from, oldest first.
    let recent: [ItemID]
    /// The user's row in the served model, if it has one.
    let userIndex: Int32?
    /// The trained row and the recent items the model was trained on, distinct and sorted: what
    /// the model folds in and excludes.
    let folded: [Int32]
    /// Whether the recent items hold one the trained row lacks.
    let hasNewActivity: Bool
    /// Items never recommended back: `folded` and the recent items added to the catalogue since
    /// training (labels past the trained ones), which the model cannot fold in.
    let consumed: ConsumedItems
    /// The newest distinct items, for "similar to X" reasons.
    let anchorPool: [Int32]

    /// One id lookup per recent event: trained items feed the model, items added since training
    /// are only kept out of the list.
    init(recent: [ItemID], user: UserID, model: ServingModel, anchors: Int) {
        generation = model.generation
        revision = model.revision
        self.recent = recent
        var recentIndices: [Int32] = []
        var recentNew: [Int32] = []
        recentIndices.reserveCapacity(recent.count)
        for id in recent {
            if let index = model.snapshot.items.index(of: id.rawValue) {
                recentIndices.append(index)
            } else if let label = model.cold?.label(of: id.rawValue) {
                recentNew.append(label)
            }
        }
        userIndex = model.snapshot.users.index(of: user.rawValue)
        let trained = userIndex.map { Array(model.snapshot.seen.columns(ofRow: Int($0))) } ?? []
        let history = trained + recentIndices
        folded = Array(Set(history)).sorted()
        hasNewActivity = folded.count > trained.count
        consumed = recentNew.isEmpty ? ConsumedItems(sorted: folded) : ConsumedItems(folded + recentNew)
        anchorPool = RecommendationService.latestDistinct(recentIndices, then: history, limit: anchors)
    }

    /// Whether this was resolved from `recent` against what `model` serves for `userIndex`.
    /// `recent` is compared by value: the store's cache hands out the same array until the
    /// database changes, which compares in constant time, and a fresh read compares id by id.
    func matches(recent: [ItemID], userIndex: Int32?, model: ServingModel) -> Bool {
        generation == model.generation && revision == model.revision && self.userIndex == userIndex
            && self.recent == recent
    }

    /// Roughly the bytes held: the entry and its array buffers (32-byte headers, 4 bytes a label;
    /// `consumed` shares `folded`'s unless items were added since training). The `recent` ids are
    /// the store's cache's.
    var bytes: Int {
        let shared = consumed.labels.count == folded.count
        return 128 + (32 + 4 * folded.count) + (shared ? 0 : 32 + 4 * consumed.count) + (32 + 4 * anchorPool.count)
    }
}
