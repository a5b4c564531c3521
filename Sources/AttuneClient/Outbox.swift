import Foundation

/// The queue of unsent calls, in order, bounded, and (with a directory) kept on disk as a journal
/// of JSON lines: `{"add": item}` when queued, `{"ack": [ids]}` when sent or dropped. Appending
/// keeps each change O(1); the journal is rewritten from the live items once acknowledgements
/// dominate it. A torn last line (a crash mid-write) is skipped on load.
///
/// Not synchronised: the owning actor serialises access.
struct Outbox {
    private(set) var items: [OutboxItem] = []
    let capacity: Int
    private let file: URL?
    private var handle: FileHandle?
    private var journalLines = 0
    /// Items dropped because the queue was full, oldest first.
    private(set) var overflowed = 0

    init(capacity: Int, directory: URL?) throws(AttuneClientError) {
        self.capacity = capacity
        guard let directory else {
            file = nil
            return
        }
        let file = directory.appendingPathComponent("outbox.jsonl")
        self.file = file
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            if let data = FileManager.default.contents(atPath: file.path) {
                load(data)
            }
            try rewrite()
        } catch let error as AttuneClientError {
            throw error
        } catch {
            throw .storage("cannot open the queue in \(directory.path): \(error)")
        }
    }

    private mutating func load(_ data: Data) {
        let decoder = JSONDecoder()
        var order: [UUID] = []
        var byID: [UUID: OutboxItem] = [:]
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let entry = try? decoder.decode(JournalEntry.self, from: Data(line)) else { continue }
            if let item = entry.add, byID[item.id] == nil {
                byID[item.id] = item
                order.append(item.id)
            }
            for id in entry.ack ?? [] { byID[id] = nil }
        }
        items = order.compactMap { byID[$0] }
        if items.count > capacity {
            overflowed += items.count - capacity
            items.removeFirst(items.count - capacity)
        }
    }

    var count: Int { items.count }

    /// Queues `item`, dropping the oldest when full.
    mutating func append(_ item: OutboxItem) throws(AttuneClientError) {
        items.append(item)
        try write(JournalEntry(add: item, ack: nil))
        if items.count > capacity {
            let dropped = items.removeFirst()
            overflowed += 1
            try write(JournalEntry(add: nil, ack: [dropped.id]))
        }
    }

    /// Removes the items with these ids (sent, or refused for good).
    mutating func remove(_ ids: Set<UUID>) throws(AttuneClientError) {
        guard !ids.isEmpty else { return }
        items.removeAll { ids.contains($0.id) }
        try write(JournalEntry(add: nil, ack: Array(ids)))
        if journalLines > 2 * items.count + 256 { try rewrite() }
    }

    /// Removes every item that `drop` selects.
    mutating func removeAll(where drop: (OutboxItem) -> Bool) throws(AttuneClientError) {
        try remove(Set(items.filter(drop).map(\.id)))
    }

    private struct JournalEntry: Codable {
        var add: OutboxItem?
        var ack: [UUID]?
    }

    private mutating func write(_ entry: JournalEntry) throws(AttuneClientError) {
        guard let handle else { return }
        do {
            var line = try JSONEncoder().encode(entry)
            line.append(UInt8(ascii: "\n"))
            try handle.write(contentsOf: line)
            journalLines += 1
        } catch {
            throw .storage("cannot write the queue: \(error)")
        }
    }

    /// Replaces the journal with one line per live item (write a new file, then rename over).
    private mutating func rewrite() throws(AttuneClientError) {
        guard let file else { return }
        do {
            try handle?.close()
            var data = Data()
            let encoder = JSONEncoder()
            for item in items {
                data.append(try encoder.encode(JournalEntry(add: item, ack: nil)))
                data.append(UInt8(ascii: "\n"))
            }
            try data.write(to: file, options: .atomic)
            let handle = try FileHandle(forWritingTo: file)
            try handle.seekToEnd()
            self.handle = handle
            journalLines = items.count
        } catch {
            throw .storage("cannot rewrite the queue: \(error)")
        }
    }

    /// Closes the journal file (the client is going away).
    mutating func close() {
        try? handle?.close()
        handle = nil
    }
}
