import AttuneCore
import Logging
import PostgresNIO

/// The consent decisions of some people and the workspace's default, read inside a write
/// transaction: profiles and segment memberships are kept only for people who allow
/// personalization, and a segment event is logged only for those who allow analytics.
///
/// Read fresh for the people a write concerns rather than cached per process: another replica
/// may have changed a decision a moment ago, and the rows read here are few.
struct PostgresConsentView: Sendable {
    var policy: ConsentDefault
    var choices: [String: ConsentChoices]

    func permits(_ purpose: ConsentPurpose, for subject: String) -> Bool {
        guard let decided = choices[subject] else { return policy.allows }
        return decided.permits(purpose, under: policy)
    }

    /// The default and the decisions of `subjects` in `workspace`, in one round trip.
    static func read(
        _ subjects: [String], workspace: Int64, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> PostgresConsentView {
        let rows = try await connection.query(
            """
            SELECT NULL::text, policy FROM consent_policy WHERE id = 1
            UNION ALL
            SELECT user_id, choices FROM consents WHERE workspace = \(workspace) AND user_id = ANY(\(subjects)::text[])
            """, logger: logger)
        var view = PostgresConsentView(policy: .optOut, choices: [:])
        for try await (subject, value) in rows.decode((String?, String).self) {
            if let subject {
                view.choices[subject] = ConsentChoices(encoded: value)
            } else {
                view.policy = ConsentDefault(rawValue: value) ?? .optOut
            }
        }
        return view
    }
}
