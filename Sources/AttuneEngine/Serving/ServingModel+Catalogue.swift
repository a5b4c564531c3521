import AttuneML

extension ServingModel {
    /// The item id of a dense label: a trained item or one added since (``ColdItems``).
    package func itemKey(at label: Int32) -> String? {
        snapshot.items.key(at: label) ?? cold?.key(at: label)
    }

    /// The dense label of an item id: trained, or added since training.
    package func itemLabel(of key: String) -> Int32? {
        snapshot.items.index(of: key) ?? cold?.label(of: key)
    }

    /// Whether the factor path has stopped serving `label`.
    package func isWithdrawn(_ label: Int32) -> Bool { withdrawn.binarySearchContains(label) }

    /// This model with `change` applied: new items appended to ``cold`` and inserted into the
    /// index (one already there whose content changed gets its new vector and a new node), withdrawn ones tombstoned in it, restored ones brought back (their old node when the
    /// index still holds it). Ids are resolved to labels here, against this value; an id it does
    /// not know is skipped. The receiver is not changed (requests holding it go on with it); the
    /// index's arrays are copied once here when shared, which is what makes the swap safe against
    /// concurrent searches.
    /// - Complexity: O(changes x log n x efConstruction x M x d), plus one copy of the index.
    package func applying(_ change: CatalogueChange) -> ServingModel {
        guard !change.isEmpty else { return self }
        var copy = self
        copy.revision += 1
        var withdrawnSet = Set(withdrawn)
        for key in change.withdrawn {
            guard let label = itemLabel(of: key), withdrawnSet.insert(label).inserted else { continue }
            copy.retrieval?.remove(label: label)
        }
        var vectors: [Float] = []
        var labels: [Int32] = []
        for key in change.restored {
            guard let label = itemLabel(of: key), withdrawnSet.remove(label) != nil else { continue }
            if copy.retrieval?.restore(label: label) == false, let vector = copy.retrievalVector(of: label) {
                vectors += vector
                labels.append(label)
            }
        }
        if var cold = copy.cold {
            // The last entry of an id wins.
            var last: [String: Int] = [:]
            for (i, item) in change.added.enumerated() { last[item.key] = i }
            for (i, item) in change.added.enumerated()
            where last[item.key] == i && snapshot.items.index(of: item.key) == nil && item.vector.count == cold.dimension {
                let hash = change.contentHashes[item.key]
                if let label = cold.label(of: item.key) {
                    // Revised content: a withdrawn item keeps its vector (restoring brings back its node).
                    guard !withdrawnSet.contains(label) else { continue }
                    cold.replace(label, vector: item.vector, anchor: item.anchor, contentHash: hash)
                    copy.retrieval?.remove(label: label)
                    vectors += item.vector
                    labels.append(label)
                } else {
                    vectors += item.vector
                    labels.append(cold.append(key: item.key, vector: item.vector, anchor: item.anchor, contentHash: hash))
                }
            }
            copy.cold = cold
        }
        copy.retrieval?.insert(contentsOf: vectors, labels: labels)
        copy.withdrawn = withdrawnSet.sorted()
        return copy
    }

    /// The vector the index holds for `label`: the model's factors (and bias) for a trained item,
    /// the borrowed vector for a new one.
    package func retrievalVector(of label: Int32) -> [Float]? {
        if let vector = cold?.vector(of: label) { return vector }
        guard label >= 0, Int(label) < snapshot.items.count else { return nil }
        return FactorRetrieval.vector(of: Int(label), in: snapshot.model.model)
    }

    /// The sorted union of two sorted arrays without repeats.
    /// - Complexity: O(a + b).
    package static func sortedUnion(_ a: [Int32], _ b: [Int32]) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(a.count + b.count)
        var (i, j) = (0, 0)
        while i < a.count || j < b.count {
            let next: Int32
            if j == b.count || (i < a.count && a[i] < b[j]) {
                next = a[i]
                i += 1
            } else if i == a.count || b[j] < a[i] {
                next = b[j]
                j += 1
            } else {
                next = a[i]
                i += 1
                j += 1
            }
            if out.last != next { out.append(next) }
        }
        return out
    }

    /// `found` (best first) with the live new items scored against `query` merged in, `count` at most.
    /// - Complexity: O(new items x d) per request: new items are few until the next training.
    static func merging(
        cold: ColdItems, withdrawn: [Int32], query: [Float], into found: [(item: Int32, score: Float)], count: Int
    ) -> [(item: Int32, score: Float)] {
        let d = cold.dimension
        guard query.count == d else { return found }
        var out = found
        cold.vectors.withUnsafeBufferPointer { v in
            query.withUnsafeBufferPointer { q in
                for j in 0..<cold.count {
                    let label = cold.firstLabel + Int32(j)
                    if withdrawn.binarySearchContains(label) { continue }
                    let score = VectorKernels.dot(q.baseAddress!, v.baseAddress! + j * d, count: d)
                    guard score.isFinite, out.count < count || score > out[out.count - 1].score else { continue }
                    let at = out.firstIndex { $0.score < score } ?? out.count
                    out.insert((label, score), at: at)
                    if out.count > count { out.removeLast() }
                }
            }
        }
        return out
    }

    /// The `count` items most similar to `label` (trained or new), best first, never itself nor
    /// a withdrawn item: the model's own similarity, with new items compared on their borrowed
    /// factors when the model's similarity is over factors.
    package func similarItems(to label: Int32, count: Int) -> [(item: Int32, similarity: Float)] {
        var out: [(item: Int32, similarity: Float)]
        let target: [Float]?
        if let cold, cold.contains(label) {
            guard let vector = cold.vector(of: label), let d = similarity.factorDimension else { return [] }
            out = similarity.similar(toFactors: Array(vector.prefix(d)), count: count + withdrawn.count) ?? []
            target = cold.unit(of: label)
        } else {
            out = similarity.similar(to: label, count: count + withdrawn.count)
            target = similarity.unitFactors(of: label)
        }
        if let cold, !cold.isEmpty, let target, target.count == cold.factorDimension {
            let d = target.count
            cold.units.withUnsafeBufferPointer { u in
                target.withUnsafeBufferPointer { t in
                    for j in 0..<cold.count {
                        let other = cold.firstLabel + Int32(j)
                        guard other != label else { continue }
                        let s = VectorKernels.dot(t.baseAddress!, u.baseAddress! + j * d, count: d)
                        if s > 0 { out.append((other, s)) }
                    }
                }
            }
            out = out.enumerated().sorted { ($0.element.similarity, -$0.offset) > ($1.element.similarity, -$1.offset) }.map(\.element)
        }
        return Array(out.lazy.filter { !self.isWithdrawn($0.item) }.prefix(count))
    }
}
