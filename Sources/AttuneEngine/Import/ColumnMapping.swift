/// Which input column feeds which event field. Every field has conventional names that are
/// tried when no option names a column, so `user_id,item_id,timestamp` needs no options.
package struct ColumnMapping: Sendable {
    package var user: String?
    package var anonymous: String?
    package var item: String?
    package var time: String?
    package var type: String?
    package var value: String?
    package var session: String?
    package var id: String?

    package init(
        user: String? = nil, anonymous: String? = nil, item: String? = nil, time: String? = nil,
        type: String? = nil, value: String? = nil, session: String? = nil, id: String? = nil
    ) {
        self.user = user
        self.anonymous = anonymous
        self.item = item
        self.time = time
        self.type = type
        self.value = value
        self.session = session
        self.id = id
    }

    static let userNames = ["user_id", "userid", "user", "customer_id", "customerid"]
    static let anonymousNames = ["anonymous_id", "anonymousid", "anon_id"]
    static let itemNames = ["item_id", "itemid", "item", "product_id", "productid"]
    static let timeNames = ["timestamp", "time", "ts", "event_time", "date", "datetime"]
    static let typeNames = ["type", "event_type", "event", "action"]
    static let valueNames = ["value", "rating", "amount", "revenue", "price"]
    static let sessionNames = ["session_id", "sessionid", "session"]
    static let idNames = ["event_id", "eventid", "id"]

    /// The concrete column for each field given the file's columns; an explicitly named column
    /// that the file lacks is an error.
    func resolve(columns: Set<String>) throws(ImportFailure) -> ResolvedColumns {
        func pick(_ explicit: String?, _ names: [String], option: String) throws(ImportFailure) -> String? {
            if let explicit {
                let name = TabularSource.normalizeHeader(explicit)
                guard columns.contains(name) else { throw .missingColumn(option: option, name: explicit) }
                return name
            }
            return names.first(where: columns.contains)
        }
        return ResolvedColumns(
            user: try pick(user, Self.userNames, option: "--user-column"),
            anonymous: try pick(anonymous, Self.anonymousNames, option: "--anonymous-column"),
            item: try pick(item, Self.itemNames, option: "--item-column"),
            time: try pick(time, Self.timeNames, option: "--time-column"),
            type: try pick(type, Self.typeNames, option: "--type-column"),
            value: try pick(value, Self.valueNames, option: "--value-column"),
            session: try pick(session, Self.sessionNames, option: "--session-column"),
            id: try pick(id, Self.idNames, option: "--id-column"))
    }
}

struct ResolvedColumns {
    var user: String?
    var anonymous: String?
    var item: String?
    var time: String?
    var type: String?
    var value: String?
    var session: String?
    var id: String?

    var all: Set<String> { Set([user, anonymous, item, time, type, value, session, id].compactMap { $0 }) }
}

/// Problems that stop an import before it stores anything.
package enum ImportFailure: Error, CustomStringConvertible, Equatable {
    case missingColumn(option: String, name: String)
    case noIdentityColumn
    case unreadable(String)
    case invalidOption(String)

    package var description: String {
        switch self {
        case .missingColumn(let option, let name): "\(option): the file has no column \"\(name)\""
        case .noIdentityColumn: "the file has no user column (user_id) or anonymous column (anonymous_id); name one with --user-column"
        case .unreadable(let why): why
        case .invalidOption(let why): why
        }
    }
}
