import AttuneML

/// Turns a training input into the factorisation machine's examples: each user is their id
/// feature plus their attributes, each item its id plus its attributes (``SideFeatures``).
///
/// Attributes share one unit of weight per side, so a movie with five genres is not five times as
/// genre-driven as one with a single genre, and attributes together move a vector as much as its
/// id does.
enum FactorizationMachineInput {
    static func layout(_ input: TrainingInput) -> (layout: FactorizationLayout, featureCount: Int) {
        var encoder = FeatureEncoder()
        func row(_ id: String, _ attributes: [String]) -> FeatureVector {
            let share = attributes.isEmpty ? 0 : 1 / Float(attributes.count)
            return encoder.encode([id] + attributes, values: [1] + attributes.map { _ in share })
        }
        var users = FeatureRows()
        for u in 0..<input.matrix.rowCount {
            users.append(row("user=\(u)", u < input.side.users.count ? input.side.users[u] : []))
        }
        var items = FeatureRows()
        for i in 0..<input.itemCount {
            items.append(row("item=\(i)", i < input.side.items.count ? input.side.items[i] : []))
        }
        return (FactorizationLayout(users: users, items: items), encoder.featureCount)
    }

    static func fit(
        _ input: TrainingInput, configuration: FactorizationMachine.Configuration, threads: Int
    ) throws -> FactorizationMachine {
        let (layout, featureCount) = layout(input)
        var users: [Int32] = []
        var items: [Int32] = []
        users.reserveCapacity(input.matrix.values.count)
        items.reserveCapacity(input.matrix.values.count)
        for u in 0..<input.matrix.rowCount {
            for i in input.matrix.columns(ofRow: u) {
                users.append(Int32(u))
                items.append(i)
            }
        }
        return try FactorizationMachine.fit(
            events: try FeedbackEvents(users: users, items: items), layout: layout, featureCount: featureCount,
            configuration: configuration, threads: threads)
    }
}
