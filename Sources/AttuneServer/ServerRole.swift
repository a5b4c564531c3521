/// What an `attune serve` process runs beside the HTTP API.
package enum ServerRole: String, Sendable {
    /// The API and the leader-only jobs (``LeaderJobs``), the jobs under the data directory's
    /// election so that a `serve` and a `worker` on one directory never both run them.
    case all
    /// The API only, no leader-only job: a replica; `attune worker` runs the jobs.
    case api
}
