import Logging
import PostgresNIO

extension PostgresStore {
    /// Re-evaluates the rule segments of `users` after a merge or an unmerge changed their
    /// events, profiles or declared traits, as `SQLiteStore.reevaluateSegments` does there.
    ///
    /// Does nothing yet: segment memberships are being ported to PostgreSQL separately, and that
    /// port fills this in. Merges call it exactly where SQLite re-evaluates segments (for the
    /// merged user before its memberships are removed, for the person after its profile was
    /// refolded, and for both people of an unmerge).
    func reevaluateSegmentsAfterMerge(
        _ users: [String], workspace: Int64, now: Int64, _ connection: PostgresConnection, _ logger: Logger
    ) async throws {}
}
