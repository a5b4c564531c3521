import AttuneCore
import AttuneStore
import Foundation

/// Writes a segment's member ids as CSV (`user_id` header) or JSON Lines (`{"userId": ...}`),
/// reading the store a page at a time so memory stays flat whatever the segment's size.
package struct SegmentExport: Sendable {
    package enum Format: String, Sendable, CaseIterable {
        case csv, jsonl
    }

    let store: any SegmentStore
    let chunkSize: Int

    package init(store: any SegmentStore, chunkSize: Int = 5_000) {
        self.store = store
        self.chunkSize = max(1, chunkSize)
    }

    /// - Parameter write: receives the text in pieces, one page of members each.
    /// - Returns: the number of members written.
    package func run(
        _ segment: SegmentID, in workspace: WorkspaceID, format: Format, write: (String) throws -> Void
    ) async throws -> Int {
        if format == .csv { try write("user_id\n") }
        var cursor: UserID?
        var count = 0
        while true {
            let page = try await store.members(of: segment, in: workspace, after: cursor, limit: chunkSize)
            var text = ""
            for user in page {
                switch format {
                case .csv: text += CSVField.escape(user.rawValue) + "\n"
                case .jsonl: text += JSONValue.object([("userId", .string(user.rawValue))]).serialized() + "\n"
                }
            }
            if !text.isEmpty { try write(text) }
            count += page.count
            guard let last = page.last, page.count == chunkSize else { return count }
            cursor = last
        }
    }
}

/// RFC 4180 quoting for one CSV cell.
enum CSVField {
    static func escape(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
