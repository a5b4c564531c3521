import AttuneCore
import AttuneStore

extension ProfileVersion {
    /// `{version, at, cause, changed, …reference}`: the stored detail's members follow the first three.
    package var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("version", .number(Double(version))), ("at", .string(at.iso8601)), ("cause", .string(cause.rawValue)),
        ]
        // The store writes the detail; a row it cannot read is shown as having no detail.
        if case .object(let detail)? = try? JSONParser().parse(detail) { members += detail }
        return .object(members)
    }
}

extension ProfileStore {
    /// Every version of the user's profile, newest first, read `pageSize` at a time.
    package func allProfileVersions(of user: UserID, in workspace: WorkspaceID, pageSize: Int = 1_000) async throws
        -> [ProfileVersion]
    {
        var all: [ProfileVersion] = []
        var before: Int?
        while true {
            let page = try await profileHistory(of: user, in: workspace, before: before, limit: pageSize)
            all += page
            guard let last = page.last, page.count == pageSize else { return all }
            before = last.version
        }
    }
}
