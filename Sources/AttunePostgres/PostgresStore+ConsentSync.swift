import AttuneCore
import AttuneStore
import Logging
import PostgresNIO

/// Keeping the consent decisions in memory equal to the database while other processes write.
///
/// Two loops run beside the pool: one holds a connection of its own that listens on
/// ``consentChannel`` and rings ``consentWakeup`` at each notification (every consent write
/// sends one in its transaction, so it arrives after the commit); the other compares generations
/// with the database when rung, and in any case every ``Options/consentRefreshInterval``
/// (five times that while the listener is up, as a guard against a notification lost with a
/// dying connection). A comparison reads one small row per workspace, then only the decisions
/// written since the generation held.
extension PostgresStore {
    func keepConsentFresh() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.listenForConsentWrites() }
            group.addTask { await self.compareConsentPeriodically() }
            await group.waitForAll()
        }
    }

    private func compareConsentPeriodically() async {
        while !Task.isCancelled {
            // Before the first load a failure is usually a process started ahead of migrate() (the
            // tables do not exist yet on a fresh database), which migrate() reports if it persists.
            let level: Logger.Level = consentCache.isLoaded ? .info : .debug
            do {
                try await syncConsent(failureLevel: level)
            } catch {
                if !Task.isCancelled {
                    logger.log(level: level, "consent refresh failed", metadata: ["postgres.reason": "\(String(describing: error))"])
                }
            }
            let interval = options.consentRefreshInterval * (consentCache.isListening ? 5 : 1)
            await consentWakeup.wait(upTo: interval)
        }
    }

    private func listenForConsentWrites() async {
        var pause = options.retryDelay
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: try configuration.connectionConfiguration(), id: 2, logger: logger)
                do {
                    try await connection.listen(on: Self.consentChannel) { notifications in
                        consentCache.setListening(true)
                        // Writes made while nobody listened are read now.
                        consentWakeup.signal()
                        pause = options.retryDelay
                        for try await _ in notifications { consentWakeup.signal() }
                    }
                } catch {
                    consentCache.setListening(false)
                    try? await connection.close()
                    throw error
                }
                consentCache.setListening(false)
                try? await connection.close()
            } catch {
                consentCache.setListening(false)
                if !Task.isCancelled {
                    logger.info(
                        "consent listener stopped, comparing every interval until it is back",
                        metadata: ["postgres.reason": "\(PostgresFailure.classify(error).reason)"])
                }
            }
            // The next comparison must not wait for the long interval of a listener that is gone.
            consentWakeup.signal()
            guard (try? await Task.sleep(for: pause)) != nil else { return }
            pause = min(pause * 2, .seconds(5))
        }
    }

    /// Compares memory with the database and reads what changed, on a pooled connection.
    func syncConsent(failureLevel: Logger.Level = .info) async throws {
        try await read("read consent decisions", failureLevel: failureLevel) { [self] connection, logger in
            try await syncConsent(on: connection, logger)
        }
    }

    /// Compares memory with the database on `connection` and reads what changed.
    func syncConsent(on connection: PostgresConnection, _ logger: Logger) async throws {
        let started = ContinuousClock.now
        let policyRows = try await connection.query("SELECT policy, generation FROM consent_policy WHERE id = 1", logger: logger)
        var policy = (ConsentDefault.optOut, Int64(0))
        for try await (stored, generation) in policyRows.decode((String, Int64).self) {
            policy = (ConsentDefault(rawValue: stored) ?? .optOut, generation)
        }
        var changed: [(key: Int64, generation: Int64, cleared: Int64)] = []
        let generations = try await connection.query(
            "SELECT workspace, generation, cleared FROM consent_generations", logger: logger)
        for try await (key, generation, cleared) in generations.decode((Int64, Int64, Int64).self)
        where consentCache.generation(of: key) != generation {
            changed.append((key, generation, cleared))
        }
        for workspace in changed {
            // Rows stamped after the generation held suffice, unless some were deleted since.
            let held = consentCache.generation(of: workspace.key)
            let base = held.flatMap { $0 >= workspace.cleared ? $0 : nil }
            var name = consentCache.name(of: workspace.key)
            if name == nil {
                let rows = try await connection.query("SELECT name FROM workspaces WHERE pk = \(workspace.key)", logger: logger)
                for try await found in rows.decode(String.self) { name = WorkspaceID(unchecked: found) }
            }
            guard let name else { continue }
            // Rows committed after the generation was read may come too: they hold the newer
            // state, which the next comparison would bring anyway.
            let rows = try await connection.query(
                """
                SELECT user_id, choices FROM consents
                WHERE workspace = \(workspace.key) AND generation > \(base ?? -1)
                """, logger: logger)
            var decisions: [(String, ConsentChoices)] = []
            for try await (user, choices) in rows.decode((String, String).self) {
                decisions.append((user, ConsentChoices(encoded: choices)))
            }
            consentCache.apply(workspace.key, named: name, generation: workspace.generation, base: base, rows: decisions)
        }
        consentCache.applyPolicy(policy.0, generation: policy.1)
        consentCache.markSynced(at: started)
    }
}
