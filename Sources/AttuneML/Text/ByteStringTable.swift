/// An immutable open-addressing hash set of byte strings, giving each key a dense index.
///
/// Keys live in one contiguous byte array; a lookup hashes the probe bytes (FNV-1a) and compares
/// candidate keys in place, so looking up a token needs no `String` and no allocation.
package struct ByteStringTable: Sendable {
    private var keyBytes: [UInt8] = []
    private var keyStarts: [Int32] = [0]
    private var slots: [Int32]
    private let mask: Int

    /// The number of distinct keys.
    package var count: Int { keyStarts.count - 1 }

    /// Builds the table. A key given twice keeps the index of its first occurrence; `indices`
    /// tells, for each given key, the index it got.
    package init<Keys: Sequence>(keys: Keys) where Keys.Element: Sequence, Keys.Element.Element == UInt8 {
        let materialised = keys.map { Array($0) }
        var capacity = 16
        while capacity < materialised.count * 2 { capacity <<= 1 }
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        for key in materialised {
            key.withUnsafeBufferPointer { buffer in _ = insert(buffer) }
        }
    }

    /// Builds the table from strings (their UTF-8 bytes).
    package init(strings: [String]) {
        self.init(keys: strings.map { Array($0.utf8) })
    }

    private mutating func insert(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        if let found = index(of: key) { return found }
        var slot = Int(truncatingIfNeeded: Self.hash(key)) & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        let index = count
        slots[slot] = Int32(index)
        keyBytes.append(contentsOf: key)
        keyStarts.append(Int32(keyBytes.count))
        return index
    }

    /// The index of `key`, or `nil` when it is not in the table.
    /// - Complexity: O(length of key) expected.
    package func index(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        var slot = Int(truncatingIfNeeded: Self.hash(key)) & mask
        return slots.withUnsafeBufferPointer { slots in
            keyStarts.withUnsafeBufferPointer { starts in
                keyBytes.withUnsafeBufferPointer { bytes in
                    while true {
                        let candidate = Int(slots[slot])
                        if candidate < 0 { return nil }
                        let start = Int(starts[candidate])
                        let end = Int(starts[candidate + 1])
                        if end - start == key.count {
                            var equal = true
                            var k = 0
                            while k < key.count {
                                if bytes[start + k] != key[k] { equal = false; break }
                                k += 1
                            }
                            if equal { return candidate }
                        }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
    }

    /// The index of the UTF-8 bytes of `key`.
    package func index(of key: String) -> Int? {
        var copy = key
        return copy.withUTF8 { index(of: $0) }
    }

    /// The key bytes of the entry at `index`, as a string.
    package func key(at index: Int) -> String {
        String(decoding: keyBytes[Int(keyStarts[index])..<Int(keyStarts[index + 1])], as: UTF8.self)
    }

    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return h ^ (h >> 29)
    }
}
