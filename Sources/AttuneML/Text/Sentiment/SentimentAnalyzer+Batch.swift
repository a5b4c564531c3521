extension SentimentAnalyzer {
    /// The compound score of every text, computed on up to `threads` threads, each with its own
    /// scratch buffers.
    /// - Complexity: O(total length) work, split in contiguous chunks.
    package func compounds(_ texts: [String], threads: Int) -> [Double] {
        var out = [Double](repeating: 0, count: texts.count)
        out.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let shared = SharedMutablePointer(base)
            ParallelRange.forEachChunk(count: texts.count, threads: threads) { _, range in
                var scratch = SentimentScratch()
                for i in range { shared.base[i] = score(texts[i], scratch: &scratch).compound }
            }
        }
        return out
    }
}
