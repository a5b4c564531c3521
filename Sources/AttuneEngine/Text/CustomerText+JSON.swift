import AttuneCore

extension CustomerText {
    /// The text as the API and exports show it.
    package var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("id", .string(id.rawValue)),
            ("userId", .string(user.rawValue)),
            ("source", .string(source.rawValue)),
            ("text", .string(body)),
            ("time", .string(time.iso8601)),
            ("itemId", item.map { .string($0.rawValue) } ?? .null),
        ]
        if let sentiment {
            members.append(("sentiment", .object([
                ("compound", .number(sentiment)), ("label", sentimentLabel.map(JSONValue.string) ?? .null),
            ])))
        } else {
            members.append(("sentiment", .null))
        }
        members.append(("entities", (try? JSONParser().parse(entities)) ?? .array([])))
        members.append(("mentions", .array(mentions.map(\.json))))
        members.append(("createdAt", .string(createdAt.iso8601)))
        return .object(members)
    }
}

extension TextMention {
    package var json: JSONValue {
        .object([
            ("kind", .string(target.kind)), ("target", .string(target.value)),
            ("sentiment", sentiment.map(JSONValue.number) ?? .null),
        ])
    }
}

extension MentionSummary {
    package var json: JSONValue {
        .object([
            ("userId", .string(user.rawValue)),
            ("kind", .string(target.kind)),
            ("target", .string(target.value)),
            ("count", .number(Double(count))),
            ("meanSentiment", meanSentiment.map(JSONValue.number) ?? .null),
            ("minSentiment", minSentiment.map(JSONValue.number) ?? .null),
            ("lastTime", .string(lastTime.iso8601)),
        ])
    }
}
