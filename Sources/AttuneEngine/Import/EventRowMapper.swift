import AttuneCore
import Crypto
import Foundation

/// Turns one import row into an `Event`.
///
/// A row without an event id gets one derived from its content (SHA-256 of the canonical
/// fields), so importing the same file twice stores every event once.
struct EventRowMapper {
    let columns: ResolvedColumns
    let defaultType: EventType
    let now: Timestamp

    func event(from row: TabularRow) throws(AttuneError) -> Event {
        let userID: UserID? = try identifier(row, columns.user, field: "user")
        let anonymousID: AnonymousID? = try identifier(row, columns.anonymous, field: "anonymous")
        guard userID != nil || anonymousID != nil else {
            throw AttuneError(code: .missingField, message: "user id is empty", field: columns.user ?? "user_id")
        }
        let itemID: ItemID? = try identifier(row, columns.item, field: "item")
        let sessionID: SessionID? = try identifier(row, columns.session, field: "session")
        var type = defaultType
        if let column = columns.type, let raw = text(row.cells[column]), !raw.isEmpty {
            type = try EventType.validated(raw, field: column)
        }
        var value: Double?
        if let column = columns.value, let cell = row.cells[column] {
            switch cell {
            case .number(let n): value = n
            case .string(let s) where s.trimmingSpaces().isEmpty: value = nil
            case .string(let s):
                guard let n = Double(s.trimmingSpaces()), n.isFinite else { throw .invalid(column, "is not a number") }
                value = n
            case .null: value = nil
            default: throw .invalid(column, "is not a number")
            }
        }
        var timestamp = now
        if let column = columns.time, let cell = row.cells[column], cell != .null {
            timestamp = try Self.timestamp(cell, field: column, now: now)
        }
        let properties = try self.properties(row)
        var id: EventID
        if let column = columns.id, let raw = text(row.cells[column]), !raw.isEmpty {
            guard let parsed = EventID(uuidString: raw) else { throw .invalid(column, "must be a UUID") }
            id = parsed
        } else {
            id = EventID(high: 0, low: 0)
        }
        var event = Event(
            id: id, type: type, userID: userID, anonymousID: anonymousID, sessionID: sessionID, itemID: itemID,
            value: value, properties: properties, context: nil, timestamp: timestamp, receivedAt: now)
        if columns.id == nil || id == EventID(high: 0, low: 0) {
            event.id = Self.contentID(of: event, includeTime: columns.time != nil)
        }
        return event
    }

    /// Epoch seconds (fractions allowed) or milliseconds (values from 1e11 up) or ISO-8601.
    static func timestamp(_ cell: JSONValue, field: String, now: Timestamp) throws(AttuneError) -> Timestamp {
        var result: Timestamp
        switch cell {
        case .number(let n):
            result = try fromNumber(n, field: field)
        case .string(let raw):
            let s = raw.trimmingSpaces()
            if let n = Double(s), s.first?.isNumber == true {
                result = try fromNumber(n, field: field)
            } else if let parsed = Timestamp(iso8601: s) {
                result = parsed
            } else {
                throw .invalid(field, "is neither epoch seconds nor ISO-8601")
            }
        default:
            throw .invalid(field, "is neither epoch seconds nor ISO-8601")
        }
        guard result.millisecondsSinceEpoch <= now.millisecondsSinceEpoch + 86_400_000 else {
            throw .invalid(field, "is too far in the future")
        }
        return result
    }

    private static func fromNumber(_ n: Double, field: String) throws(AttuneError) -> Timestamp {
        guard n.isFinite, n >= 0, n < 1e15 else { throw .invalid(field, "is out of range") }
        return n >= 100_000_000_000
            ? Timestamp(millisecondsSinceEpoch: Int64(n)) : Timestamp(secondsSinceEpoch: n)
    }

    /// Unmapped columns become string properties; a JSON Lines `properties` object is merged in.
    private func properties(_ row: TabularRow) throws(AttuneError) -> String? {
        let used = columns.all
        var members: [(key: String, value: JSONValue)] = []
        for name in row.order where !used.contains(name) {
            guard let cell = row.cells[name] else { continue }
            if name == "properties" {
                guard case .object(let inner) = cell else { throw .invalid("properties", "must be an object") }
                members.append(contentsOf: inner)
                continue
            }
            if case .string(let s) = cell, s.isEmpty { continue }
            if cell == .null { continue }
            members.append((name, cell))
        }
        if members.isEmpty { return nil }
        var seen = Set<String>()
        members = members.filter { seen.insert($0.key).inserted }
        let text = JSONValue.object(members).serialized(sortedKeys: true)
        guard text.utf8.count <= 16 * 1024 else { throw .invalid("properties", "must be at most 16384 bytes of JSON") }
        return text
    }

    private func identifier<ID: ExternalIdentifier>(_ row: TabularRow, _ column: String?, field: String) throws(AttuneError) -> ID? {
        guard let column, let cell = row.cells[column] else { return nil }
        switch cell {
        case .string(let s):
            let trimmed = s.trimmingSpaces()
            if trimmed.isEmpty { return nil }
            return try ID.validated(trimmed, field: column)
        default:
            return try EventDecoder.identifier(cell, field: column)
        }
    }

    private func text(_ cell: JSONValue?) -> String? {
        switch cell {
        case .string(let s)?: return s.trimmingSpaces()
        case .number(let n)?: return JSONValue.format(n)
        default: return nil
        }
    }

    /// Without a time column every import stamps "now", so time must stay out of the id for
    /// re-imports to match.
    static func contentID(of event: Event, includeTime: Bool) -> EventID {
        var canonical = JSONValue.object([
            ("type", .string(event.type.rawValue)),
            ("user", event.userID.map { .string($0.rawValue) } ?? .null),
            ("anonymous", event.anonymousID.map { .string($0.rawValue) } ?? .null),
            ("session", event.sessionID.map { .string($0.rawValue) } ?? .null),
            ("item", event.itemID.map { .string($0.rawValue) } ?? .null),
            ("value", event.value.map(JSONValue.number) ?? .null),
            ("ts", includeTime ? .number(Double(event.timestamp.millisecondsSinceEpoch)) : .null),
            ("properties", .string(event.properties ?? "")),
        ]).serialized()
        canonical = "attune-event-v1|" + canonical
        return EventID.derived(fromDigest: SHA256.hash(data: Data(canonical.utf8)))
    }
}
