import ArgumentParser
import AttuneEngine
import ServiceLifecycle

/// How the processes on one store take turns at the background jobs and share trained models:
/// through the data directory (its lock file and model folder, SQLite) or through the database
/// (an advisory lock, and model snapshots announced with NOTIFY: PostgreSQL).
struct Coordination: Sendable {
    /// Who runs the leader-only jobs; `nil` for a process that never stands (an API replica).
    var election: (any LeaderElection)?
    /// Where new model versions are published; `nil` when the model folder itself is shared.
    var publisher: (any ModelPublisher)?
    /// Work that runs for as long as the process does (a replica's model channel).
    var services: [any Service] = []
    /// Where retrainings asked for by any process wait for the leader; `nil` on a data directory.
    var retrainingRequests: (any RetrainingRequests)?
    /// Where the election is held, for the start-up line.
    var electionDescription: String

    /// The data directory's lock file; models are shared through its folder. An API replica
    /// (`electing: false`) does not open the lock file at all.
    static func dataDirectory(_ directory: String, electing: Bool = true) throws -> Coordination {
        guard electing else { return Coordination(election: nil, electionDescription: "") }
        do {
            let election = try FileLockElection(dataDirectory: directory)
            return Coordination(election: election, electionDescription: election.path)
        } catch let error as LeaderElectionError {
            throw ValidationError(error.message)
        }
    }
}
