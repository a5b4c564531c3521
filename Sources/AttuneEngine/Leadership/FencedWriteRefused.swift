/// A leader-only write refused by fencing (``FencingToken``): a later term has begun, or the
/// write carried no term at all. Nothing was written.
///
/// Its own type rather than an `AttuneError` `conflict`, because the leader's jobs treat a
/// conflict as "already being done here" and complete; a refused write must fail its job
/// instead, so that the term that now leads runs it again.
package struct FencedWriteRefused: Error, Sendable, Equatable, CustomStringConvertible {
    /// The term the write belonged to; `nil` for a write made outside any term.
    package let term: FencingToken?
    /// The newest term when the write was refused; `nil` when none has begun or it is not known.
    package let current: Int64?

    package init(term: FencingToken?, current: Int64?) {
        self.term = term
        self.current = current
    }

    package var description: String {
        guard let term else { return "a leader-only write outside the leader's term; nothing was written" }
        let now = current.map { "term \($0) leads now" } ?? "no term has begun"
        return "leadership was superseded: this leader-only write belongs to \(term), \(now); nothing was written"
    }
}
