import Logging
import ServiceLifecycle

/// Reloads the keyring on an interval, so that a key revoked with `attune keys revoke` (another
/// process, writing to the same store) stops working within one interval in a running server.
/// Polling a small table is simpler and sturdier than a change feed between processes; the
/// default second costs one indexed read of the keys per second.
package struct KeyringRefresher: Service {
    let keyring: APIKeyring
    let interval: Duration
    let logger: Logger

    package init(keyring: APIKeyring, interval: Duration = .seconds(1), logger: Logger) {
        self.keyring = keyring
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            do {
                try await keyring.reload()
            } catch {
                // The previous snapshot stays in force; the next interval tries again.
                logger.warning("keyring reload failed", metadata: ["error.type": .string(String(describing: type(of: error)))])
            }
        }
    }
}
