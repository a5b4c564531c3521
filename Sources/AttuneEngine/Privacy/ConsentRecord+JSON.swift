import AttuneCore

extension ConsentRecord {
    /// `{"user", "purposes": {...}, "updatedAt", "history"?}`: the effective state under `policy`;
    /// `record` is `nil` when the person never decided (the policy alone applies, `updatedAt` null).
    package static func json(_ record: ConsentRecord?, user: UserID, policy: ConsentDefault, history: Bool) -> JSONValue {
        let choices = record?.choices ?? ConsentChoices()
        var members: [(key: String, value: JSONValue)] = [
            ("user", .string(user.rawValue)),
            ("purposes", purposes(choices, policy: policy)),
            ("updatedAt", record.map { .string($0.updatedAt.iso8601) } ?? .null),
        ]
        if history {
            members.append(("policy", .string(policy.rawValue)))
            members.append((
                "history",
                .array((record?.history ?? []).map { change in
                    var changed: [(key: String, value: JSONValue)] = []
                    for purpose in ConsentPurpose.allCases {
                        if let granted = change.choices[purpose] { changed.append((purpose.rawValue, .bool(granted))) }
                    }
                    return .object([
                        ("purposes", .object(changed)), ("source", .string(change.source)), ("at", .string(change.at.iso8601)),
                    ])
                })
            ))
        }
        return .object(members)
    }

    static func purposes(_ choices: ConsentChoices, policy: ConsentDefault) -> JSONValue {
        .object(ConsentPurpose.allCases.map { ($0.rawValue, .bool(choices.permits($0, under: policy))) })
    }
}
