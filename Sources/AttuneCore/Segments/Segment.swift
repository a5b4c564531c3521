/// A named group of users: defined by a rule over profiles (kept current as events arrive) or
/// learned by clustering (assigned when trained).
package struct Segment: Sendable, Equatable {
    package enum Kind: String, Sendable, Equatable, CaseIterable {
        case rule, learned
    }

    package var id: SegmentID
    package var name: String
    package var kind: Kind
    /// The rule's canonical text (rule segments only).
    package var rule: String?
    /// Why its members belong together (learned segments only).
    package var explanation: SegmentExplanation?
    package var createdAt: Timestamp
    package var updatedAt: Timestamp

    package init(
        id: SegmentID, name: String, kind: Kind, rule: String? = nil, explanation: SegmentExplanation? = nil,
        createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.rule = rule
        self.explanation = explanation
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// 1 to 200 bytes, no control characters, not blank.
    /// - Throws: `AttuneError` invalid value of `name`.
    package static func validatedName(_ raw: String) throws(AttuneError) -> String {
        guard !raw.utf8.isEmpty, raw.utf8.count <= 200 else { throw .invalid("name", "must be 1 to 200 bytes") }
        for byte in raw.utf8 where byte < 0x20 || byte == 0x7F {
            throw .invalid("name", "must not contain control characters")
        }
        guard raw.utf8.contains(where: { $0 != 0x20 }) else { throw .invalid("name", "must not be blank") }
        return raw
    }
}

/// A learned segment in plain rules: a shallow decision tree's paths to the segment, how often
/// they agree with the clustering, and the cluster's centre (for matching clusters on retraining).
package struct SegmentExplanation: Sendable, Equatable {
    /// `frequency > 5.5 and recency_days <= 30`, or-ed when there are several.
    package var rules: String
    /// Share of users on which the rules and the clustering agree, 0...1.
    package var fidelity: Double
    /// The stable cluster id the segment continues across retraining.
    package var cluster: Int
    /// Feature names, and the centre in those (raw) units.
    package var features: [String]
    package var centroid: [Double]

    package init(rules: String, fidelity: Double, cluster: Int, features: [String], centroid: [Double]) {
        self.rules = rules
        self.fidelity = fidelity
        self.cluster = cluster
        self.features = features
        self.centroid = centroid
    }
}

package struct SegmentID: ExternalIdentifier {
    package let rawValue: String
    package init(unchecked rawValue: String) { self.rawValue = rawValue }

    /// `seg_` and 16 hex digits.
    package static func random(using generator: inout some RandomNumberGenerator) -> SegmentID {
        let n = UInt64.random(in: .min ... .max, using: &generator)
        let hex = String(n, radix: 16)
        return SegmentID(unchecked: "seg_" + String(repeating: "0", count: 16 - hex.utf8.count) + hex)
    }

    /// The id of the learned segment that continues cluster `cluster`.
    package static func learned(_ cluster: Int) -> SegmentID {
        SegmentID(unchecked: "learned_\(cluster)")
    }
}

/// The events that record users entering and leaving segments. They are written by the store,
/// never accepted from clients, and never counted in profiles or aggregates, so recording them
/// cannot trigger another evaluation.
package enum SegmentEvents {
    package static let entered = EventType(unchecked: "segment_entered")
    package static let left = EventType(unchecked: "segment_left")

    package static func isSegmentEvent(_ type: String) -> Bool {
        type == entered.rawValue || type == left.rawValue
    }
}
