import AttuneCore
import Hummingbird

/// A page of a collection the store returns whole because its size is capped per workspace
/// (segments, experiments, webhooks), with the same `limit` and `cursor` parameters and
/// `nextCursor` answer as the store-paged lists.
package struct KeyedPage<Element> {
    package var elements: ArraySlice<Element>
    package var nextCursor: JSONValue

    /// - Parameters:
    ///   - all: the whole collection, in any order; it is ordered by `key`, which must be unique.
    ///   - key: the order and the cursor.
    package init(_ all: [Element], key: (Element) -> String, request: Request) throws(AttuneError) {
        let limit = try QueryParameters.limit(request)
        let after = try QueryParameters.string(request, "cursor").map { (c) throws(AttuneError) in try Cursor.decode(c) }
        var sorted = all.map { (key: key($0), element: $0) }
        sorted.sort { $0.key < $1.key }
        let start = after.map { after in sorted.partitioningIndex { $0.key > after } } ?? 0
        let end = min(sorted.count, start + limit)
        elements = ArraySlice(sorted[start..<end].map(\.element))
        nextCursor = end < sorted.count ? .string(Cursor.encode(sorted[end - 1].key)) : .null
    }
}

extension Array {
    /// The first index whose element satisfies `predicate`, for a predicate that is false then
    /// true along the array.
    fileprivate func partitioningIndex(where predicate: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if predicate(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
