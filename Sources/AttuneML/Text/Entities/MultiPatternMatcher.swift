/// Finds many names at once in text: an Aho-Corasick automaton (Aho and Corasick, "Efficient string
/// matching: an aid to bibliographic search", CACM 1975) over the folded UTF-8 bytes of the names.
///
/// Matching is tolerant of case, punctuation and compatibility forms (see `TextFolding`), whole-word
/// (a name must not start or end inside a word, except in scripts written without spaces), and
/// leftmost-longest: of overlapping names the one starting first wins, and of those starting at the
/// same place the longest ("Air Max 90" over "Air Max"). Build it once per catalogue version.
package struct MultiPatternMatcher: Sendable {
    /// One found name: every pattern (by its index in the list given to `init`) that folds to the
    /// matched text, and where it is in the searched text (UTF-8 byte offsets).
    package struct Match: Sendable, Equatable {
        package var patterns: [Int]
        package var range: Range<Int>
    }

    // The trie: the root's transitions dense, the others as sorted edge lists in one array.
    private let rootNext: [Int32]
    private let edgeStart: [Int32]
    private let edgeBytes: [UInt8]
    private let edgeTargets: [Int32]
    private let failure: [Int32]
    /// The distinct folded name ending at each state, or -1.
    private let terminal: [Int32]
    /// The nearest state on the failure chain (excluding the state) where a name ends, or -1.
    private let outputLink: [Int32]
    private let keyLengths: [Int32]
    /// For each distinct folded name, the indices of the patterns that fold to it.
    private let keyPatternStart: [Int32]
    private let keyPatterns: [Int32]

    /// The number of distinct folded names.
    package var keyCount: Int { keyLengths.count }

    /// Builds the automaton. Patterns that fold to nothing (only punctuation) never match.
    /// - Complexity: O(total length of the patterns).
    package init(patterns: [String]) {
        var children: [[UInt8: Int32]] = [[:]]
        var terminalOf: [Int32] = [-1]
        var lengths: [Int32] = []
        var patternsOfKey: [[Int32]] = []
        var folded: [UInt8] = []
        var origins: [Int32] = []
        for (index, pattern) in patterns.enumerated() {
            var copy = pattern
            copy.withUTF8 { TextFolding.fold($0, into: &folded, origins: &origins) }
            if folded.last == 0x20 { folded.removeLast() }
            guard !folded.isEmpty else { continue }
            var state = 0
            for byte in folded {
                if let next = children[state][byte] {
                    state = Int(next)
                } else {
                    children.append([:])
                    terminalOf.append(-1)
                    let next = Int32(children.count - 1)
                    children[state][byte] = next
                    state = Int(next)
                }
            }
            if terminalOf[state] < 0 {
                terminalOf[state] = Int32(lengths.count)
                lengths.append(Int32(folded.count))
                patternsOfKey.append([])
            }
            patternsOfKey[Int(terminalOf[state])].append(Int32(index))
        }
        // Flatten and compute failure links breadth first.
        let stateCount = children.count
        var starts = [Int32](repeating: 0, count: stateCount + 1)
        var bytes: [UInt8] = []
        var targets: [Int32] = []
        for state in 0..<stateCount {
            starts[state] = Int32(bytes.count)
            for (byte, target) in children[state].sorted(by: { $0.key < $1.key }) {
                bytes.append(byte)
                targets.append(target)
            }
        }
        starts[stateCount] = Int32(bytes.count)
        var root = [Int32](repeating: 0, count: 256)
        for (byte, target) in children[0] { root[Int(byte)] = target }
        var fail = [Int32](repeating: 0, count: stateCount)
        var output = [Int32](repeating: -1, count: stateCount)
        var queue: [Int32] = []
        queue.reserveCapacity(stateCount)
        for (_, target) in children[0] { queue.append(target) }
        var head = 0
        func step(_ state: Int, _ byte: UInt8) -> Int? {
            children[state][byte].map(Int.init)
        }
        while head < queue.count {
            let state = Int(queue[head])
            head += 1
            for (byte, target) in children[state] {
                var f = Int(fail[state])
                while true {
                    if let next = step(f, byte) {
                        fail[Int(target)] = Int32(next)
                        break
                    }
                    if f == 0 {
                        fail[Int(target)] = 0
                        break
                    }
                    f = Int(fail[f])
                }
                let link = Int(fail[Int(target)])
                output[Int(target)] = terminalOf[link] >= 0 ? Int32(link) : output[link]
                queue.append(target)
            }
        }
        rootNext = root
        edgeStart = starts
        edgeBytes = bytes
        edgeTargets = targets
        failure = fail
        terminal = terminalOf
        outputLink = output
        keyLengths = lengths
        var keyStarts: [Int32] = [0]
        var flat: [Int32] = []
        for list in patternsOfKey {
            flat.append(contentsOf: list)
            keyStarts.append(Int32(flat.count))
        }
        keyPatternStart = keyStarts
        keyPatterns = flat
    }

    @inline(__always)
    private func next(_ state: Int, _ byte: UInt8) -> Int {
        var s = state
        while true {
            if s == 0 { return Int(rootNext[Int(byte)]) }
            var lo = Int(edgeStart[s])
            var hi = Int(edgeStart[s + 1])
            while lo < hi {
                let mid = (lo + hi) >> 1
                let b = edgeBytes[mid]
                if b == byte { return Int(edgeTargets[mid]) }
                if b < byte { lo = mid + 1 } else { hi = mid }
            }
            s = Int(failure[s])
        }
    }

    /// The names found in `text`, in reading order, not overlapping.
    /// - Complexity: O(n + number of candidate matches × log) in the length of the text.
    package func matches(in text: String) -> [Match] {
        var scratch = Scratch()
        return matches(in: text, scratch: &scratch)
    }

    /// Working buffers reused across texts on one thread.
    package struct Scratch {
        var folded: [UInt8] = []
        var origins: [Int32] = []
        var candidates: [(start: Int32, end: Int32, key: Int32)] = []
        package init() {}
    }

    /// The names found in `text`, working in `scratch`.
    package func matches(in text: String, scratch: inout Scratch) -> [Match] {
        var copy = text
        return copy.withUTF8 { source in
            TextFolding.fold(source, into: &scratch.folded, origins: &scratch.origins)
            scratch.candidates.removeAll(keepingCapacity: true)
            scratch.folded.withUnsafeBufferPointer { folded in
                var state = 0
                for position in 0..<folded.count {
                    state = next(state, folded[position])
                    var s = terminal[state] >= 0 ? state : Int(outputLink[state])
                    while s >= 0 {
                        let key = Int(terminal[s])
                        let end = position + 1
                        let start = end - Int(keyLengths[key])
                        if Self.isWordBoundary(folded, start: start, end: end) {
                            scratch.candidates.append((Int32(start), Int32(end), Int32(key)))
                        }
                        s = Int(outputLink[s])
                    }
                }
            }
            scratch.candidates.sort { $0.start != $1.start ? $0.start < $1.start : $0.end > $1.end }
            var out: [Match] = []
            var taken = 0
            for candidate in scratch.candidates where Int(candidate.start) >= taken {
                taken = Int(candidate.end)
                let originStart = Int(scratch.origins[Int(candidate.start)])
                let lastOrigin = Int(scratch.origins[Int(candidate.end) - 1])
                let originEnd = lastOrigin + UTF8Scalars.decode(source, at: lastOrigin).length
                let key = Int(candidate.key)
                let patterns = keyPatterns[Int(keyPatternStart[key])..<Int(keyPatternStart[key + 1])].map(Int.init)
                out.append(Match(patterns: patterns, range: originStart..<originEnd))
            }
            return out
        }
    }

    @inline(__always)
    private static func isWordBoundary(_ folded: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> Bool {
        if start > 0, folded[start - 1] != 0x20 {
            let before = UTF8Scalars.decode(folded, at: UTF8Scalars.previousStart(folded, before: start)).scalar
            let first = UTF8Scalars.decode(folded, at: start).scalar
            if !TextFolding.isSpaceless(before) && !TextFolding.isSpaceless(first) { return false }
        }
        if end < folded.count, folded[end] != 0x20 {
            let after = UTF8Scalars.decode(folded, at: end).scalar
            let last = UTF8Scalars.decode(folded, at: UTF8Scalars.previousStart(folded, before: end)).scalar
            if !TextFolding.isSpaceless(after) && !TextFolding.isSpaceless(last) { return false }
        }
        return true
    }
}
