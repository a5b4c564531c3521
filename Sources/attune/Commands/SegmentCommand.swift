import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore
import Foundation

struct SegmentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Rule and learned segments of users.",
        subcommands: [
            SegmentList.self, SegmentShow.self, SegmentCreate.self, SegmentDelete.self, SegmentRefresh.self,
            SegmentExportCommand.self, SegmentTrainCommand.self,
        ])
}

struct SegmentList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List segments with their sizes.")

    @OptionGroup var data: DataOptions

    func run() async throws {
        try await data.withStore { opened, workspace in
            let store = opened.store
            for segment in try await store.segments(in: workspace) {
                let count = try await store.memberCount(of: segment.id, in: workspace)
                print("\(segment.id)\t\(segment.kind.rawValue)\t\(count)\t\(segment.name)")
            }
        }
    }
}

struct SegmentShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a segment: its rule, or a learned segment's explanation.")

    @OptionGroup var data: DataOptions
    @Argument(help: "Segment id or name.") var segment: String

    func run() async throws {
        try await data.withStore { opened, workspace in
            let store = opened.store
            guard let found = try await SegmentService(store: store, clock: SystemClock()).find(segment, in: workspace) else {
                throw ValidationError("no segment \(segment) in workspace \(workspace)")
            }
            print("id:       \(found.id)")
            print("name:     \(found.name)")
            print("kind:     \(found.kind.rawValue)")
            print("members:  \(try await store.memberCount(of: found.id, in: workspace))")
            if let rule = found.rule { print("rule:     \(rule)") }
            if let explanation = found.explanation {
                print("rules:    \(explanation.rules)")
                print("fidelity: \(String(format: "%.3f", explanation.fidelity))")
            }
            print("updated:  \(found.updatedAt.iso8601)")
        }
    }
}

struct SegmentCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a rule segment and evaluate every user against it.",
        discussion: """
            Rules read traits.* (events, sessions, purchases, monetary, first_seen, last_seen, last_purchase, \
            events_by_type.TYPE), attributes.* (declared with identify) and aggregates of the user's events: \
            count(events, type == "purchase", within: 90d) >= 3, days_since(traits.last_seen) < 30.
            """)

    @OptionGroup var data: DataOptions
    @Option(help: "Segment name (unique in the workspace).") var name: String
    @Option(help: "The rule.") var rule: String

    func run() async throws {
        try await data.withStore { opened, workspace in
            let store = opened.store
            try await ImportOutput.ensureWorkspace(store, workspace)
            let definition: SegmentDefinition
            do {
                definition = try SegmentDefinition(name: name, rule: rule)
            } catch let error as AttuneError {
                throw ValidationError("--\(error.field ?? "rule"): \(error.message)")
            }
            do {
                let segment = try await SegmentService(store: store, clock: SystemClock()).create(definition, in: workspace)
                let count = try await store.memberCount(of: segment.id, in: workspace)
                print("segment \(segment.id) created with \(count) members")
            } catch let error as AttuneError where error.code == .conflict {
                throw ValidationError("a segment named \(name) exists")
            }
        }
    }
}

struct SegmentDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a segment.")

    @OptionGroup var data: DataOptions
    @Argument(help: "Segment id or name.") var segment: String

    func run() async throws {
        try await data.withStore { opened, workspace in
            let store = opened.store
            guard let found = try await SegmentService(store: store, clock: SystemClock()).find(segment, in: workspace),
                try await store.deleteSegment(found.id, in: workspace)
            else { throw ValidationError("no segment \(segment) in workspace \(workspace)") }
            print("segment \(found.id) deleted")
        }
    }
}

struct SegmentRefresh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh", abstract: "Re-evaluate every user against the rule segments now.",
        discussion: """
            Membership follows each profile change as events arrive; rules that read time (within:, \
            days_since) also change as time passes. Run this on a schedule (the server also sweeps \
            periodically) to catch those up.
            """)

    @OptionGroup var data: DataOptions

    func run() async throws {
        try await data.withStore { opened, workspace in
            let store = opened.store
            let changes = try await SegmentService(store: store, clock: SystemClock()).refresh(workspace)
            print("segments: \(changes.evaluated) users evaluated, \(changes.entered) entered, \(changes.left) left")
        }
    }
}
