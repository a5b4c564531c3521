import Foundation

/// A call waiting to be sent: an event (sent in batches) or an identify or consent call.
struct OutboxItem: Sendable, Codable, Hashable {
    enum Kind: String, Sendable, Codable {
        case event
        case identify
        case consent
    }

    var id: UUID
    var kind: Kind
    var method: String
    var path: String
    var body: AttuneValue
    /// Whose call it is (user or anonymous id), for consent gating.
    var subject: String
}
