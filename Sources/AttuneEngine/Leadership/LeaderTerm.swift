/// The term whose work the current task does. ``LeaderOnlyServices`` runs each job, and each
/// errand of a term, with the term's ``FencingToken`` bound here, and child tasks inherit it; a
/// store that fences leader-only writes (``ModelPublisher`` on PostgreSQL) reads it where it
/// writes, so that the token cannot outlive its term or be mixed up with the next one's.
///
/// `nil` outside the work of a term, and during a term whose lock has no tokens (a file lock).
package enum LeaderTerm {
    @TaskLocal package static var fencingToken: FencingToken?
}
