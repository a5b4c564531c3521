/// Why an election cannot be held at all (not "someone else leads", which is a wait).
package struct LeaderElectionError: Error, Sendable, Equatable, CustomStringConvertible {
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case lockFileUnusable = "lock_file_unusable"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The lock file cannot be created or opened for writing.
        package static let lockFileUnusable = Code(.lockFileUnusable)

        package var description: String { base.rawValue }
    }

    package let code: Code
    package let message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { message }
}
