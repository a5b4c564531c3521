/// Reading experiment definitions from API bodies and from storage, with every field checked.
extension ExperimentDefinition {
    package static let maxVariants = 20
    package static let maxMetrics = 20
    /// Targeting reads the user's declared attributes; anything below `user.` is accepted.
    package static let targetingSchema = ExpressionSchema(fields: ["user.*": .any])

    private static let creatable: Set<String> = [
        "key", "name", "variants", "coverage", "seed", "layer", "targeting", "status", "metrics", "guardrails",
        "alpha", "minimumDetectableEffect", "allocation", "minimumShare", "segment", "banditContexts",
    ]
    private static let storedOnly: Set<String> = [
        "startedAt", "stoppedAt", "stopReason", "banditWeights", "banditUpdatedAt", "banditContextWeights",
    ]

    /// Decodes a definition. `stored` admits the fields only the server sets (start and stop times).
    /// - Throws: `AttuneError` naming the offending field.
    package static func decode(_ json: JSONValue, stored: Bool = false) throws(AttuneError) -> ExperimentDefinition {
        guard let members = json.objectMembers else { throw .invalid("", "an experiment must be a JSON object") }
        for member in members where !creatable.contains(member.key) && !(stored && storedOnly.contains(member.key)) {
            throw .invalid(member.key, "unknown field")
        }
        guard case .string(let rawKey)? = json["key"] else { throw .missing("key") }
        let key = try ExperimentKey.validated(rawKey, field: "key")
        var definition = ExperimentDefinition(
            key: key, name: try text(json["name"], field: "name", max: 200) ?? key.rawValue,
            variants: try variants(json["variants"]))
        definition.coverage = try number(json["coverage"], field: "coverage", in: 0...1) ?? 1
        definition.seed = try text(json["seed"], field: "seed", max: 128) ?? key.rawValue
        definition.layer = try layer(json["layer"])
        if let rule = try text(json["targeting"], field: "targeting", max: 4_096) {
            do {
                _ = try RuleExpression.compile(rule, schema: targetingSchema)
            } catch {
                throw error.attuneError(field: "targeting")
            }
            definition.targeting = rule
        }
        if let raw = try text(json["segment"], field: "segment", max: 256) {
            definition.segment = try SegmentID.validated(raw, field: "segment")
        }
        switch json["banditContexts"] {
        case nil, .null?: break
        case .array(let items)? where items.count <= 20:
            for (i, item) in items.enumerated() {
                guard case .string(let raw) = item else { throw .invalid("banditContexts[\(i)]", "must be a segment id") }
                definition.banditContexts.append(try SegmentID.validated(raw, field: "banditContexts[\(i)]"))
            }
        default: throw .invalid("banditContexts", "must be an array of at most 20 segment ids")
        }
        if let raw = try text(json["status"], field: "status", max: 16) {
            guard let status = ExperimentStatus(rawValue: raw) else {
                throw .invalid("status", "must be \"draft\", \"running\" or \"stopped\"")
            }
            guard stored || status != .stopped else { throw .invalid("status", "a new experiment is draft or running") }
            definition.status = status
        }
        definition.metrics = try metrics(json["metrics"], field: "metrics")
            ?? [ExperimentMetric(name: "conversion", kind: .conversion, event: .purchase)]
        definition.guardrails = try metrics(json["guardrails"], field: "guardrails") ?? []
        var names = Set<String>()
        for metric in definition.allMetrics where !names.insert(metric.name).inserted {
            throw .invalid("metrics", "metric names must be unique (\(metric.name))")
        }
        definition.alpha = try number(json["alpha"], field: "alpha", in: 0.0001...0.5) ?? 0.05
        definition.minimumDetectableEffect =
            try number(json["minimumDetectableEffect"], field: "minimumDetectableEffect", in: 0.001...10) ?? 0.05
        if let raw = try text(json["allocation"], field: "allocation", max: 32) {
            guard let mode = ExperimentAllocationMode(rawValue: raw) else {
                let known = ExperimentAllocationMode.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                throw .invalid("allocation", "must be one of \(known)")
            }
            definition.allocation = mode
        }
        if !definition.banditContexts.isEmpty && definition.allocation == .fixed {
            throw .invalid("banditContexts", "only a bandit allocation learns per context")
        }
        if definition.allocation != .fixed {
            guard definition.variants.count >= 2 else { throw .invalid("allocation", "a bandit needs at least two variants") }
            guard definition.metrics.first?.kind == .conversion else {
                throw .invalid("metrics", "a bandit optimises the first metric, which must be a conversion")
            }
        }
        if let share = try number(json["minimumShare"], field: "minimumShare", in: 0...0.5) {
            guard share * Double(definition.variants.count) < 1 else {
                throw .invalid("minimumShare", "times the number of variants must stay below 1")
            }
            definition.minimumShare = share
        } else {
            definition.minimumShare = min(0.05, 0.5 / Double(definition.variants.count))
        }
        if stored {
            if case .array(let items)? = json["banditWeights"] {
                var weights: [Double] = []
                for item in items {
                    guard case .number(let w) = item, w >= 0, w.isFinite else { throw .invalid("banditWeights", "must be numbers") }
                    weights.append(w)
                }
                definition.banditWeights = weights
            }
            definition.banditUpdatedAt = try time(json["banditUpdatedAt"], field: "banditUpdatedAt")
            if case .object(let contexts)? = json["banditContextWeights"] {
                for (context, value) in contexts {
                    guard case .array(let items) = value else { throw .invalid("banditContextWeights", "must map contexts to weights") }
                    var weights: [Double] = []
                    for item in items {
                        guard case .number(let w) = item, w >= 0, w.isFinite else { throw .invalid("banditContextWeights", "must be numbers") }
                        weights.append(w)
                    }
                    definition.banditContextWeights[context] = weights
                }
            }
            definition.startedAt = try time(json["startedAt"], field: "startedAt")
            definition.stoppedAt = try time(json["stoppedAt"], field: "stoppedAt")
            definition.stopReason = try text(json["stopReason"], field: "stopReason", max: 4_096)
        }
        return definition
    }

    /// The definition as the API shows it and the store keeps it.
    package var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("key", .string(key.rawValue)), ("name", .string(name)), ("status", .string(status.rawValue)),
            ("variants", .array(variants.map { v in
                .object([
                    ("key", .string(v.key)), ("weight", .number(v.weight)),
                    ("strategy", v.strategy.map(JSONValue.string) ?? .null),
                ])
            })),
            ("coverage", .number(coverage)), ("seed", .string(seed)),
            ("layer", layer.map { .object([("name", .string($0.name)), ("start", .number($0.start)), ("end", .number($0.end))]) } ?? .null),
            ("targeting", targeting.map(JSONValue.string) ?? .null),
            ("metrics", .array(metrics.map(\.json))), ("guardrails", .array(guardrails.map(\.json))),
            ("alpha", .number(alpha)), ("minimumDetectableEffect", .number(minimumDetectableEffect)),
        ]
        members.append(("startedAt", startedAt.map { .string($0.iso8601) } ?? .null))
        members.append(("stoppedAt", stoppedAt.map { .string($0.iso8601) } ?? .null))
        members.append(("stopReason", stopReason.map(JSONValue.string) ?? .null))
        members.append(("allocation", .string(allocation.rawValue)))
        members.append(("minimumShare", .number(minimumShare)))
        members.append(("banditWeights", banditWeights.map { .array($0.map(JSONValue.number)) } ?? .null))
        members.append(("banditUpdatedAt", banditUpdatedAt.map { .string($0.iso8601) } ?? .null))
        members.append(("segment", segment.map { .string($0.rawValue) } ?? .null))
        members.append(("banditContexts", .array(banditContexts.map { .string($0.rawValue) })))
        members.append((
            "banditContextWeights",
            .object(banditContextWeights.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value.map(JSONValue.number))) })
        ))
        return .object(members)
    }

    private static func variants(_ json: JSONValue?) throws(AttuneError) -> [ExperimentVariant] {
        guard case .array(let items)? = json else { throw .invalid("variants", "must be an array of variants") }
        guard (1...maxVariants).contains(items.count) else {
            throw .invalid("variants", "must hold 1 to \(maxVariants) variants, the first being the control")
        }
        var out: [ExperimentVariant] = []
        var keys = Set<String>()
        var weighted = 0
        for (i, item) in items.enumerated() {
            let field = "variants[\(i)]"
            guard let members = item.objectMembers else { throw .invalid(field, "must be an object") }
            for member in members where !["key", "weight", "strategy"].contains(member.key) {
                throw .invalid("\(field).\(member.key)", "unknown field")
            }
            guard case .string(let raw)? = item["key"] else { throw .missing("\(field).key") }
            let key = try ExperimentKey.validated(raw, field: "\(field).key").rawValue
            guard keys.insert(key).inserted else { throw .invalid("\(field).key", "variant keys must be unique") }
            let weight = try number(item["weight"], field: "\(field).weight", in: 0...1)
            if weight != nil { weighted += 1 }
            let strategy = try text(item["strategy"], field: "\(field).strategy", max: 64)
            out.append(ExperimentVariant(key: key, weight: weight ?? 0, strategy: strategy))
        }
        if weighted == 0 {
            for i in out.indices { out[i].weight = 1 / Double(out.count) }
        } else {
            guard weighted == out.count else { throw .invalid("variants", "give every variant a weight, or none") }
            let total = out.reduce(0) { $0 + $1.weight }
            guard abs(total - 1) <= 0.01 else { throw .invalid("variants", "weights must sum to 1") }
        }
        return out
    }

    private static func layer(_ json: JSONValue?) throws(AttuneError) -> ExperimentLayer? {
        switch json {
        case nil, .null?: return nil
        case .object(let members)?:
            for member in members where !["name", "start", "end"].contains(member.key) {
                throw .invalid("layer.\(member.key)", "unknown field")
            }
            guard let name = try text(json?["name"], field: "layer.name", max: 64) else { throw .missing("layer.name") }
            let start = try number(json?["start"], field: "layer.start", in: 0...1) ?? 0
            let end = try number(json?["end"], field: "layer.end", in: 0...1) ?? 1
            guard start < end else { throw .invalid("layer", "start must be below end") }
            return ExperimentLayer(name: name, start: start, end: end)
        default: throw .invalid("layer", "must be {\"name\", \"start\", \"end\"}")
        }
    }

    private static func metrics(_ json: JSONValue?, field: String) throws(AttuneError) -> [ExperimentMetric]? {
        switch json {
        case nil, .null?: return nil
        case .array(let items)? where items.count <= maxMetrics:
            var out: [ExperimentMetric] = []
            for (i, item) in items.enumerated() { out.append(try ExperimentMetric.decode(item, field: "\(field)[\(i)]")) }
            return out
        default: throw .invalid(field, "must be an array of at most \(maxMetrics) metrics")
        }
    }

    static func text(_ json: JSONValue?, field: String, max: Int) throws(AttuneError) -> String? {
        switch json {
        case nil, .null?: return nil
        case .string(let s)?:
            guard !s.isEmpty, s.utf8.count <= max else { throw .invalid(field, "must be 1 to \(max) bytes") }
            for byte in s.utf8 where byte < 0x20 || byte == 0x7F {
                throw .invalid(field, "must not contain control characters")
            }
            return s
        case let other?: throw .invalid(field, "must be a string, not \(other.typeName)")
        }
    }

    private static func number(_ json: JSONValue?, field: String, in range: ClosedRange<Double>) throws(AttuneError) -> Double? {
        switch json {
        case nil, .null?: return nil
        case .number(let n)? where range.contains(n): return n
        default: throw .invalid(field, "must be a number from \(JSONValue.format(range.lowerBound)) to \(JSONValue.format(range.upperBound))")
        }
    }

    private static func time(_ json: JSONValue?, field: String) throws(AttuneError) -> Timestamp? {
        switch json {
        case nil, .null?: return nil
        case .string(let s)?:
            guard let t = Timestamp(iso8601: s) else { throw .invalid(field, "must be an ISO-8601 time") }
            return t
        default: throw .invalid(field, "must be an ISO-8601 time")
        }
    }
}

extension ExperimentMetric {
    static func decode(_ json: JSONValue, field: String) throws(AttuneError) -> ExperimentMetric {
        guard let members = json.objectMembers else { throw .invalid(field, "must be an object") }
        for member in members where !["name", "kind", "event", "denominator", "direction"].contains(member.key) {
            throw .invalid("\(field).\(member.key)", "unknown field")
        }
        guard let name = try ExperimentDefinition.text(json["name"], field: "\(field).name", max: 64) else {
            throw .missing("\(field).name")
        }
        guard let rawKind = try ExperimentDefinition.text(json["kind"], field: "\(field).kind", max: 16) else {
            throw .missing("\(field).kind")
        }
        guard let kind = Kind(rawValue: rawKind) else {
            throw .invalid("\(field).kind", "must be one of \(Kind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
        }
        guard let rawEvent = try ExperimentDefinition.text(json["event"], field: "\(field).event", max: 64) else {
            throw .missing("\(field).event")
        }
        let event = try EventType.validated(rawEvent, field: "\(field).event")
        let rawDenominator = try ExperimentDefinition.text(json["denominator"], field: "\(field).denominator", max: 64)
        guard (kind == .ratio) == (rawDenominator != nil) else {
            throw .invalid("\(field).denominator", "a ratio metric needs a denominator event, and only a ratio metric has one")
        }
        let denominator = try rawDenominator.map { raw throws(AttuneError) in
            try EventType.validated(raw, field: "\(field).denominator")
        }
        var direction = Direction.increase
        if let raw = try ExperimentDefinition.text(json["direction"], field: "\(field).direction", max: 16) {
            guard let d = Direction(rawValue: raw) else { throw .invalid("\(field).direction", "must be \"increase\" or \"decrease\"") }
            direction = d
        }
        return ExperimentMetric(name: name, kind: kind, event: event, denominator: denominator, direction: direction)
    }

    var json: JSONValue {
        .object([
            ("name", .string(name)), ("kind", .string(kind.rawValue)), ("event", .string(event.rawValue)),
            ("denominator", denominator.map { .string($0.rawValue) } ?? .null), ("direction", .string(direction.rawValue)),
        ])
    }
}
