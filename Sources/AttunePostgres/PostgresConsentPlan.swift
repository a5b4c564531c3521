import AttuneCore
import AttuneStore

/// What one `recordConsent` call writes, worked out in memory from the decisions read at its
/// start, in the order SQLite applies the changes one by one: the rows to store, the history in
/// order, the answers, and each change that starts or ends personalization, with the decision it
/// was taken under (the profile and segment work that follows it reads that one, not the last).
struct PostgresConsentPlan {
    /// A change of personalization for one id, `permitted` after it or not.
    struct Turn {
        var user: String
        var permitted: Bool
        /// The policy and the id's decision just after the change.
        var view: PostgresConsentView
    }

    var view: PostgresConsentView
    /// Each written id's decision after the last change to it.
    var written: [String: ConsentChoices] = [:]
    var history: (users: [String], choices: [String], sources: [String]) = ([], [], [])
    var records: [ConsentRecord] = []
    var turns: [Turn] = []

    /// - Parameter canonicals: the person each merged id among the named ones belongs to.
    init(
        _ updates: [(user: String, update: ConsentUpdate)], canonicals: [String: String], view: PostgresConsentView,
        at time: Timestamp
    ) {
        self.view = view
        records.reserveCapacity(updates.count)
        for (named, update) in updates {
            let person = canonicals[named] ?? named
            guard person != named else {
                records.append(ConsentRecord(choices: apply(update, to: named), updatedAt: time))
                continue
            }
            // A merged id's decision is the person's, and stays with the id for an unmerge.
            // Through it a refusal reaches the person; a grant does not undo the person's own
            // refusal (the merge may be wrong, and the grant a stranger's).
            apply(update, to: named)
            var filtered = update
            let current = self.view.choices[person] ?? ConsentChoices()
            for purpose in ConsentPurpose.allCases where filtered.choices[purpose] == true && current[purpose] == false
            {
                filtered.choices[purpose] = nil
            }
            records.append(ConsentRecord(choices: apply(filtered, to: person), updatedAt: time))
        }
    }

    @discardableResult
    private mutating func apply(_ update: ConsentUpdate, to user: String) -> ConsentChoices {
        let before = view.choices[user] ?? ConsentChoices()
        let after = before.applying(update.choices)
        view.choices[user] = after
        written[user] = after
        history.users.append(user)
        history.choices.append(update.choices.encoded)
        history.sources.append(update.source)
        let was = before.permits(.personalization, under: view.policy)
        let now = after.permits(.personalization, under: view.policy)
        if was != now {
            let decided = PostgresConsentView(policy: view.policy, choices: [user: after])
            turns.append(Turn(user: user, permitted: now, view: decided))
        }
        return after
    }
}
