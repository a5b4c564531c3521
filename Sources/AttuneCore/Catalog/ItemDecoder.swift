/// Validates untrusted item JSON (`PUT /v1/items/{id}`, batch upserts, JSON Lines imports).
package struct ItemDecoder: Sendable {
    package static let knownFields: Set<String> = [
        "id", "title", "description", "categories", "tags", "properties", "available",
    ]
    package static let maxTitleBytes = 1_000
    package static let maxDescriptionBytes = 20_000
    package static let maxListCount = 100
    package static let maxLabelBytes = 200
    package static let maxPropertiesBytes = 16 * 1024

    package init() {}

    /// - Parameter pathID: the id from the URL, when there is one; a body id must then agree.
    package func decode(_ json: JSONValue, pathID: ItemID?, now: Timestamp) throws(AttuneError) -> Item {
        guard let members = json.objectMembers else {
            throw .invalid("", "an item must be a JSON object, not \(json.typeName)")
        }
        for member in members where !Self.knownFields.contains(member.key) {
            throw .invalid(member.key, "unknown field")
        }
        let bodyID: ItemID? = try EventDecoder.identifier(json["id"], field: "id")
        let id: ItemID
        switch (pathID, bodyID) {
        case (let p?, let b?) where p != b: throw .invalid("id", "does not match the id in the path")
        case (let p?, _): id = p
        case (nil, let b?): id = b
        case (nil, nil): throw .missing("id")
        }
        let title = try Self.text(json["title"], field: "title", max: Self.maxTitleBytes)
        let description = try Self.text(json["description"], field: "description", max: Self.maxDescriptionBytes)
        let categories = try Self.labels(json["categories"], field: "categories")
        let tags = try Self.labels(json["tags"], field: "tags")
        var properties: String?
        switch json["properties"] {
        case nil, .null?: properties = nil
        case .object(let m)?:
            if !m.isEmpty {
                let text = JSONValue.object(m).serialized(sortedKeys: true)
                guard text.utf8.count <= Self.maxPropertiesBytes else {
                    throw .invalid("properties", "must be at most \(Self.maxPropertiesBytes) bytes of JSON")
                }
                properties = text
            }
        case let other?: throw .invalid("properties", "must be an object, not \(other.typeName)")
        }
        var available = true
        switch json["available"] {
        case nil, .null?: break
        case .bool(let b)?: available = b
        case let other?: throw .invalid("available", "must be a boolean, not \(other.typeName)")
        }
        return Item(
            id: id, title: title, description: description, categories: categories, tags: tags,
            properties: properties, available: available, createdAt: now, updatedAt: now)
    }

    package static func text(_ value: JSONValue?, field: String, max: Int) throws(AttuneError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let s)?:
            guard s.utf8.count <= max else { throw .invalid(field, "must be at most \(max) bytes") }
            // Stored as SQLite text, which C string readers end at the first NUL: refused rather
            // than silently cut short. Other control characters (new lines, tabs) are kept.
            guard !s.utf8.contains(0) else { throw .invalid(field, "must not contain NUL characters") }
            return s
        case let other?: throw .invalid(field, "must be a string, not \(other.typeName)")
        }
    }

    package static func labels(_ value: JSONValue?, field: String) throws(AttuneError) -> [String] {
        switch value {
        case nil, .null?: return []
        case .array(let elements)?:
            guard elements.count <= maxListCount else { throw .invalid(field, "must have at most \(maxListCount) entries") }
            var out: [String] = []
            for (i, element) in elements.enumerated() {
                guard case .string(let s) = element else { throw .invalid("\(field)[\(i)]", "must be a string") }
                out.append(try validLabel(s, field: "\(field)[\(i)]"))
            }
            return deduplicated(out)
        case let other?: throw .invalid(field, "must be an array of strings, not \(other.typeName)")
        }
    }

    package static func validLabel(_ raw: String, field: String) throws(AttuneError) -> String {
        let s = raw.trimmingSpaces()
        guard !s.isEmpty else { throw .invalid(field, "must not be empty") }
        guard s.utf8.count <= maxLabelBytes else { throw .invalid(field, "must be at most \(maxLabelBytes) bytes") }
        for byte in s.utf8 where byte < 0x20 || byte == 0x7F {
            throw .invalid(field, "must not contain control characters")
        }
        return s
    }

    package static func deduplicated(_ labels: [String]) -> [String] {
        var seen = Set<String>()
        return labels.filter { seen.insert($0).inserted }
    }
}

extension String {
    /// Trims ASCII spaces and tabs (enough for CSV cells and labels; avoids Foundation).
    package func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[first...last])
    }
}
