import ArgumentParser
import AttuneCore
import AttuneEngine
import Foundation

extension KeysCommand {
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print new keys for processes that share one database, as environment variable lines (stores nothing).",
            discussion: """
                Processes on one PostgreSQL database (`--store postgres://`) cannot each make their own keys: \
                every replica must accept the same API keys and hash and encrypt personal data with the same \
                secrets. Run this once, keep the output as a secret (a file readable only by the service user, \
                or your secret manager) and give it to every `attune serve` and `attune worker`: \
                `set -a; . ./attune.env; set +a`. The API keys are installed in the database when a replica starts. \
                The key set is single-quoted for a shell; for `docker --env-file` remove the quotes.
                """)

        /// 32 random characters of 62 (about 190 bits), as in an API key.
        static func secret() -> String { String(APIKeyFactory.generate(scope: .admin).dropFirst("atn_admin_".count)) }

        func run() throws {
            let pii = PIIKeys.generate().json
            // Single-quoted for a shell: the key set is JSON and has no single quote.
            print("ATTUNE_ADMIN_KEY=\(APIKeyFactory.generate(scope: .admin))")
            print("ATTUNE_WRITE_KEY=\(APIKeyFactory.generate(scope: .write))")
            print("ATTUNE_PII_KEYS='\(pii)'")
            print("ATTUNE_TEXT_SECRET=\(Self.secret())")
            // Signs dashboard sessions, so that a session opened on one replica works on the others.
            print("ATTUNE_DASHBOARD_SECRET=\(Self.secret())")
        }
    }
}
