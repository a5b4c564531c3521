import Foundation

/// CPU time, for the benchmarks: on a machine shared with other work it varies far less than wall
/// time, so before/after comparisons read it beside requests or events per second.
enum CPUTime {
    /// Seconds of CPU this thread has used.
    static var thread: Double { seconds(CLOCK_THREAD_CPUTIME_ID) }

    /// Seconds of CPU this process has used, all threads.
    static var process: Double { seconds(CLOCK_PROCESS_CPUTIME_ID) }

    /// User plus system seconds another process has used (`/proc/PID/stat`), 0 where unreadable.
    static func of(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        // Fields after the command name start at the third (state); utime and stime are the 14th and 15th.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    private static func seconds(_ clock: clockid_t) -> Double {
        var time = timespec()
        clock_gettime(clock, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
