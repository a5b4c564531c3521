import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Logging
import Testing

/// Leadership lost cancels the leader-only jobs: one in the middle of a round over the workspaces
/// must not go on to the next workspace, as another process may be running the same job already.
struct PeriodicWorkCancellationTests {
    @Test(.timeLimit(.minutes(1)))
    func aCancelledRoundStopsBeforeTheNextWorkspace() async throws {
        let store = try SQLiteStore()
        for name in ["a", "b", "c"] { try await store.ensureWorkspace(WorkspaceID(unchecked: name), at: Fixtures.now) }
        let visited = Locked<[String]>([])
        let job = Task {
            await PeriodicWork.forEachWorkspace(
                every: .milliseconds(1), of: store, logger: Logger(label: "test"), job: "test job"
            ) { workspace in
                visited.withLock { $0.append(workspace.rawValue) }
                // Cancelled while at work on the first workspace (its leadership lost, say).
                withUnsafeCurrentTask { $0?.cancel() }
            }
        }
        await job.value
        #expect(visited.withLock { $0 }.count == 1, "\(visited.withLock { $0 })")
    }
}
