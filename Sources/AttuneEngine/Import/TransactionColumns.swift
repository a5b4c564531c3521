/// Which input column feeds which field of a transaction (an order line) import. Every field has
/// conventional names tried when no option names a column, so
/// `customer_id,order_id,order_date,amount,items` needs no options.
package struct TransactionColumns: Sendable {
    package var user: String?
    package var email: String?
    package var order: String?
    package var time: String?
    package var amount: String?
    package var items: String?
    /// Separates several item ids in one CSV cell (a cell starting with `[` is read as a JSON array).
    package var listSeparator: Character = "|"

    package init() {}

    static let userNames = ["customer_id", "customerid", "user_id", "userid", "customer", "user"]
    static let emailNames = ["email", "e_mail", "email_address", "customer_email"]
    static let orderNames = ["order_id", "orderid", "order", "transaction_id", "transactionid", "order_number"]
    static let timeNames = ColumnMapping.timeNames + ["order_date", "ordered_at", "created_at"]
    static let amountNames = ["amount", "total", "order_total", "revenue", "value", "price"]
    static let itemNames = [
        "item_ids", "itemids", "items", "item_id", "product_ids", "products", "product_id", "skus", "sku",
    ]

    /// The concrete column of each field given the file's columns.
    /// - Throws: `ImportFailure` when a named column is missing, or the file has no order column,
    ///   no item column, or neither a customer nor an e-mail column.
    func resolve(columns: Set<String>) throws(ImportFailure) -> ResolvedTransactionColumns {
        func pick(_ explicit: String?, _ names: [String], option: String) throws(ImportFailure) -> String? {
            if let explicit {
                let name = TabularSource.normalizeHeader(explicit)
                guard columns.contains(name) else { throw .missingColumn(option: option, name: explicit) }
                return name
            }
            return names.first(where: columns.contains)
        }
        let resolved = ResolvedTransactionColumns(
            user: try pick(user, Self.userNames, option: "--user-column"),
            email: try pick(email, Self.emailNames, option: "--email-column"),
            order: try pick(order, Self.orderNames, option: "--order-column"),
            time: try pick(time, Self.timeNames, option: "--time-column"),
            amount: try pick(amount, Self.amountNames, option: "--amount-column"),
            items: try pick(items, Self.itemNames, option: "--items-column"))
        guard resolved.user != nil || resolved.email != nil else {
            throw .invalidOption(
                "the file has no customer column (customer_id) or e-mail column (email); name one with --user-column or --email-column"
            )
        }
        guard resolved.order != nil else {
            throw .invalidOption("the file has no order column (order_id); name one with --order-column")
        }
        guard resolved.items != nil else {
            throw .invalidOption("the file has no item column (item_ids); name one with --items-column")
        }
        return resolved
    }
}

struct ResolvedTransactionColumns {
    var user: String?
    var email: String?
    var order: String?
    var time: String?
    var amount: String?
    var items: String?

    var all: Set<String> { Set([user, email, order, time, amount, items].compactMap { $0 }) }
}
