extension FactorizationMachine {
    /// Learns from one feedback event as it arrives: a single SGD step of log loss on `example`
    /// (e.g. user, context and item features of an impression) towards `label` (1 click, 0 skip).
    ///
    /// Uses the model's learning rate and penalties whatever loss it was trained with; on a
    /// ``Loss/bpr`` model prefer ``update(context:positive:negative:)``, whose scale matches its scores.
    /// - Throws: `AttuneMLError.invalidArgument` on an empty example, a non-finite value or a label
    ///   outside [0, 1]; `AttuneMLError.indexOutOfRange` on an unknown feature. The model is unchanged
    ///   when it throws.
    /// - Complexity: O(k·m).
    package mutating func update(_ example: FeatureVector, label: Float) throws {
        try example.validate(featureCount: featureCount)
        guard label >= 0, label <= 1 else { throw AttuneMLError.invalidArgument("label must lie in [0, 1]") }
        let c = configuration
        withParameters { p, scratch in
            example.indices.withUnsafeBufferPointer { idx in
                example.values.withUnsafeBufferPointer { val in
                    let part: FactorizationParameters.Part = (idx.baseAddress!, val.baseAddress!, example.count)
                    let none: FactorizationParameters.Part = (idx.baseAddress!, val.baseAddress!, 0)
                    p.pointwiseStep(part, none, none, label: label, sums: scratch, configuration: c)
                }
            }
        }
    }

    /// Learns from one positive event as a ranking step: `positive` (the item acted on) should score
    /// above `negative` (an item drawn by the caller, e.g. uniformly among those the user has not
    /// touched) in `context` (user and context features). One SGD step of the BPR loss.
    /// - Throws: `AttuneMLError.invalidArgument` on an empty item part or a non-finite value,
    ///   `AttuneMLError.indexOutOfRange` on an unknown feature. The model is unchanged when it throws.
    /// - Complexity: O(k·m).
    package mutating func update(context: FeatureVector, positive: FeatureVector, negative: FeatureVector) throws {
        try context.validate(featureCount: featureCount, allowEmpty: true)
        try positive.validate(featureCount: featureCount)
        try negative.validate(featureCount: featureCount)
        let c = configuration
        withParameters { p, scratch in
            context.indices.withUnsafeBufferPointer { cIdx in
                context.values.withUnsafeBufferPointer { cVal in
                    positive.indices.withUnsafeBufferPointer { pIdx in
                        positive.values.withUnsafeBufferPointer { pVal in
                            negative.indices.withUnsafeBufferPointer { nIdx in
                                negative.values.withUnsafeBufferPointer { nVal in
                                    let pos: FactorizationParameters.Part = (
                                        pIdx.baseAddress!, pVal.baseAddress!, positive.count
                                    )
                                    let neg: FactorizationParameters.Part = (
                                        nIdx.baseAddress!, nVal.baseAddress!, negative.count
                                    )
                                    // An empty context has no base address; a zero-length part never reads through it.
                                    let ctx: FactorizationParameters.Part =
                                        context.isEmpty
                                        ? (pIdx.baseAddress!, pVal.baseAddress!, 0)
                                        : (cIdx.baseAddress!, cVal.baseAddress!, context.count)
                                    let none: FactorizationParameters.Part = (pIdx.baseAddress!, pVal.baseAddress!, 0)
                                    p.pairwiseStep(
                                        user: ctx, context: none, positive: pos, negative: neg, scratch: scratch,
                                        configuration: c)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Opens the parameters for one step, with 3k floats of scratch.
    private mutating func withParameters(_ body: (FactorizationParameters, UnsafeMutablePointer<Float>) -> Void) {
        let k = configuration.factors
        var b = [bias]
        var scratch = [Float](repeating: 0, count: 3 * k)
        linear.withUnsafeMutableBufferPointer { w in
            featureFactors.values.withUnsafeMutableBufferPointer { v in
                b.withUnsafeMutableBufferPointer { bp in
                    scratch.withUnsafeMutableBufferPointer { s in
                        body(
                            FactorizationParameters(
                                bias: SharedMutablePointer(bp.baseAddress!),
                                linear: SharedMutablePointer(w.baseAddress!),
                                factors: SharedMutablePointer(v.baseAddress!), k: k), s.baseAddress!)
                    }
                }
            }
        }
        bias = b[0]
    }
}
