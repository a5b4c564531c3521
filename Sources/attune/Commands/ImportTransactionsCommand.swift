import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore
import Foundation

struct ImportTransactions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transactions",
        abstract: "Import orders (from a shop or a CRM) as purchase events.",
        discussion: """
            One row per order. Columns are found by name: customer_id (or user_id), email, order_id, \
            order_date or timestamp (epoch seconds, epoch milliseconds or ISO-8601), amount (or total), \
            item_ids (or items, product_ids: several ids separated by --list-separator, or a JSON array). \
            Each distinct item of an order becomes one purchase event whose value is the item's share of \
            the amount (by how often it is listed) and whose properties hold order_id, order_amount, \
            quantity (when above 1) and the other columns. Event ids derive from order id and item id, so \
            importing the same orders again adds nothing. A row with an e-mail address records it as the \
            customer's email trait; a row with an address and no customer id is filed under the user \
            "email-" followed by 32 hex digits of the SHA-256 of the trimmed, lower-cased address, the \
            same user in every import.
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var file: FileImportOptions
    @Option(help: "Column holding the customer id.") var userColumn: String?
    @Option(help: "Column holding the customer's e-mail address.") var emailColumn: String?
    @Option(help: "Column holding the order id.") var orderColumn: String?
    @Option(help: "Column holding the order time.") var timeColumn: String?
    @Option(help: "Column holding the order amount.") var amountColumn: String?
    @Option(help: "Column holding the order's item ids.") var itemsColumn: String?
    @Option(help: "Separator of several item ids in one cell.") var listSeparator: String = "|"
    @OptionGroup var personalData: PIIOptions

    func validate() throws {
        guard listSeparator.count == 1 else { throw ValidationError("--list-separator must be one character") }
    }

    func run() async throws {
        try await data.withStore { opened, workspace in
            let store = opened.store
            try await ImportOutput.ensureWorkspace(store, workspace)
            var columns = TransactionColumns()
            columns.user = userColumn
            columns.email = emailColumn
            columns.order = orderColumn
            columns.time = timeColumn
            columns.amount = amountColumn
            columns.items = itemsColumn
            columns.listSeparator = listSeparator.first!
            var importer = TransactionImporter(store: store, clock: SystemClock())
            // The matching key hashes the address identifiers, with or without pseudonymisation.
            let keys = try opened.piiKeys()
            importer.pii = personalData.protection(keys: keys)
            if let pii = importer.pii { store.revealDeclaredValues(with: pii.revealed) }
            importer.identity = IdentityResolution(store: store, clock: SystemClock(), keys: keys)
            try await ImportOutput.run("transactions", reportPath: file.report) { [importer, columns] progress in
                try await importer.run(
                    path: file.file, workspace: workspace, format: file.resolvedFormat, columns: columns,
                    dryRun: file.dryRun,
                    progress: progress)
            }
        }
    }
}
