import AttuneCore
import Crypto
import Foundation

/// Turns one transaction row (an order) into purchase events, one per distinct item, and the
/// e-mail trait of its customer.
///
/// Each event's id is derived from the order id and the item id alone, so importing the same
/// orders again (from the same file or a later export that repeats them) stores nothing twice. An
/// order's amount is split over its items in proportion to their quantity (an item listed twice
/// counts twice) and carried whole as the `order_amount` property.
struct TransactionRowMapper {
    /// More item ids than this in one order are refused, to bound the events one row makes.
    static let maxItemsPerOrder = 1_000

    let columns: ResolvedTransactionColumns
    let listSeparator: Character
    let now: Timestamp
    /// Keys the user id of an address-only row (``EmailUser``).
    let pii: PIIProtection?

    struct Mapped {
        var events: [Event]
        var user: UserID
        /// The normalised address, when the row has one.
        var email: String?
    }

    func map(_ row: TabularRow) throws(AttuneError) -> Mapped {
        var user: UserID?
        if let column = columns.user, let cell = CellTyping.trimmed(row.cells[column]) {
            user = try EventDecoder.identifier(cell, field: column)
            // Pseudonymised, an address goes in the e-mail column, which keys the user by its token.
            if pii != nil, let user { try PersonalDataID.refuse(user.rawValue, field: column) }
        }
        var email: String?
        if let column = columns.email, let cell = CellTyping.trimmed(row.cells[column]) {
            guard case .string(let raw) = cell else { throw .invalid(column, "is not an e-mail address") }
            email = try EmailUser.normalized(raw, field: column)
        }
        guard let customer = user ?? email.map({ EmailUser.user(of: $0, pii: pii) }) else {
            throw .missing(columns.user ?? columns.email ?? "customer_id")
        }
        let orderColumn = columns.order ?? "order_id"
        guard let orderCell = CellTyping.trimmed(row.cells[orderColumn]),
            let order: OrderID = try EventDecoder.identifier(orderCell, field: orderColumn)
        else { throw .missing(orderColumn) }
        var timestamp = now
        if let column = columns.time, let cell = CellTyping.trimmed(row.cells[column]), cell != .null {
            timestamp = try EventRowMapper.timestamp(cell, field: column, now: now)
        }
        let amount = try self.amount(row)
        let items = try self.items(row)
        var properties = CellTyping.members(of: row, excluding: columns.all)
        properties.removeAll { ["order_id", "order_amount", "quantity"].contains($0.key) }
        properties.append(("order_id", .string(order.rawValue)))
        if let amount { properties.append(("order_amount", .number(amount))) }
        let totalQuantity = Double(items.reduce(0) { $0 + $1.quantity })
        var events: [Event] = []
        events.reserveCapacity(items.count)
        for (item, quantity) in items {
            var members = properties
            if quantity > 1 { members.append(("quantity", .number(Double(quantity)))) }
            let text = JSONValue.object(members).serialized(sortedKeys: true)
            guard text.utf8.count <= 16 * 1024 else {
                throw .invalid("properties", "must be at most 16384 bytes of JSON")
            }
            events.append(
                Event(
                    id: Self.eventID(order: order, item: item), type: .purchase, userID: customer, anonymousID: nil,
                    sessionID: nil, itemID: item, value: amount.map { $0 * Double(quantity) / totalQuantity },
                    properties: text, context: nil, timestamp: timestamp, receivedAt: now))
        }
        return Mapped(events: events, user: customer, email: email)
    }

    /// The id of the purchase of `item` in `order`: the same wherever and whenever it is imported.
    static func eventID(order: OrderID, item: ItemID) -> EventID {
        // The unit separator cannot occur in either id (control characters are refused).
        let canonical = "attune-transaction-v1|" + order.rawValue + "\u{1F}" + item.rawValue
        return EventID.derived(fromDigest: SHA256.hash(data: Data(canonical.utf8)))
    }

    private func amount(_ row: TabularRow) throws(AttuneError) -> Double? {
        guard let column = columns.amount, let cell = CellTyping.trimmed(row.cells[column]) else { return nil }
        let value: Double
        switch cell {
        case .number(let n): value = n
        case .string(let s):
            guard let n = Double(s), s.first.map({ $0.isNumber || $0 == "-" || $0 == "." }) == true else {
                throw .invalid(column, "is not a number")
            }
            value = n
        case .null: return nil
        default: throw .invalid(column, "is not a number")
        }
        guard value.isFinite, abs(value) < 1e15 else { throw .invalid(column, "is out of range") }
        guard value >= 0 else { throw .invalid(column, "must not be negative") }
        return value
    }

    /// Distinct item ids in first-seen order with how often each is listed.
    private func items(_ row: TabularRow) throws(AttuneError) -> [(id: ItemID, quantity: Int)] {
        let column = columns.items ?? "item_ids"
        var cells: [JSONValue]
        switch row.cells[column] {
        case .array(let values)?:
            cells = values
        case .string(let raw)?:
            let text = raw.trimmingSpaces()
            if text.hasPrefix("[") {
                guard case .array(let values)? = try? JSONParser(maxDepth: 2).parse(text) else {
                    throw .invalid(column, "is not a JSON array of item ids")
                }
                cells = values
            } else {
                cells = text.split(separator: listSeparator).map { .string(String($0)) }
            }
        case .number?:
            cells = [row.cells[column]!]
        default:
            cells = []
        }
        guard cells.count <= Self.maxItemsPerOrder else {
            throw .invalid(column, "must list at most \(Self.maxItemsPerOrder) items")
        }
        var order: [ItemID] = []
        var counts: [ItemID: Int] = [:]
        for cell in cells {
            guard let trimmed = CellTyping.trimmed(cell) else { continue }
            guard let item: ItemID = try EventDecoder.identifier(trimmed, field: column) else { continue }
            if counts[item] == nil { order.append(item) }
            counts[item, default: 0] += 1
        }
        guard !order.isEmpty else { throw .invalid(column, "lists no item") }
        return order.map { ($0, counts[$0]!) }
    }
}

/// An order id of a transaction import: only ever part of derived event ids and a property.
struct OrderID: ExternalIdentifier {
    let rawValue: String
    init(unchecked rawValue: String) { self.rawValue = rawValue }
}
