extension JSONValue {
    /// This document with `patch` applied by JSON Merge Patch (RFC 7396): an object patch sets
    /// its members recursively and removes those it gives as `null`; any other patch replaces the
    /// whole document. Members keep their place and new ones go at the end, as SQLite's
    /// `json_patch` orders them, so that both stores keep declared traits as the same text.
    package func mergePatched(with patch: JSONValue) -> JSONValue {
        guard case .object(let changes) = patch else { return patch }
        var members: [(key: String, value: JSONValue)]
        if case .object(let existing) = self { members = existing } else { members = [] }
        for change in changes {
            let index = members.firstIndex { $0.key == change.key }
            if case .null = change.value {
                if let index { members.remove(at: index) }
            } else if let index {
                members[index].value = members[index].value.mergePatched(with: change.value)
            } else {
                members.append((change.key, JSONValue.null.mergePatched(with: change.value)))
            }
        }
        return .object(members)
    }
}
