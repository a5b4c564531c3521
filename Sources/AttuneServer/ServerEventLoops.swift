import AttuneCore
import NIOCore
import NIOPosix

/// Event loop groups by thread count, made once and kept for the process: a server's group
/// outlives no request, and a process that builds several servers (tests) shares one per count
/// instead of leaving threads behind with each.
enum ServerEventLoops {
    private static let groups = Locked<[Int: MultiThreadedEventLoopGroup]>([:])

    static func group(threads: Int) -> MultiThreadedEventLoopGroup {
        if threads == NIOSingletons.groupLoopCountSuggestion { return .singleton }
        return groups.withLock { groups in
            if let group = groups[threads] { return group }
            let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
            groups[threads] = group
            return group
        }
    }
}
