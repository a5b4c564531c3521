import AttuneCore
import Foundation

/// Numbers and times as the dashboard shows them. Always UTC, so that every operator reads the
/// same clock.
enum DashboardFormat {
    /// `12,345`.
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    /// A value with up to `digits` decimals, `–` when absent or not finite.
    static func number(_ x: Double?, digits: Int = 4) -> String {
        guard let x, x.isFinite else { return "–" }
        if x == x.rounded(), abs(x) < 1e15 { return count(Int(x)) }
        return String(format: "%.\(digits)f", x)
    }

    /// `12.3%`.
    static func percent(_ x: Double?, digits: Int = 1) -> String {
        guard let x, x.isFinite else { return "–" }
        return String(format: "%.\(digits)f%%", x * 100)
    }

    /// `2026-11-30 01:23 UTC`.
    static func time(_ t: Timestamp) -> String {
        let (day, minutes) = parts(t.millisecondsSinceEpoch)
        return "\(date(day)) \(clock(minutes)) UTC"
    }

    /// `01:23`.
    static func clockTime(_ milliseconds: Int64) -> String { clock(parts(milliseconds).minutes) }

    /// `11-30`.
    static func shortDate(_ milliseconds: Int64) -> String { String(date(parts(milliseconds).day).dropFirst(5)) }

    private static func parts(_ milliseconds: Int64) -> (day: Int64, minutes: Int) {
        let minutesTotal = milliseconds >= 0 ? milliseconds / 60_000 : (milliseconds - 59_999) / 60_000
        let day = minutesTotal >= 0 ? minutesTotal / 1_440 : (minutesTotal - 1_439) / 1_440
        return (day, Int(minutesTotal - day * 1_440))
    }

    private static func clock(_ minutes: Int) -> String {
        String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }

    /// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    private static func date(_ days: Int64) -> String {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return String(format: "%04d-%02d-%02d", Int(y), Int(m), Int(d))
    }
}
