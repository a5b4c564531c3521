import AttuneCore
import Testing

struct TimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("2026-11-29T17:29:26.123Z", Int64(1_795_973_366_123)),
        ("2026-11-29T18:29:26.123+01:00", Int64(1_795_973_366_123)),
        ("2026-11-29 17:29:26", Int64(1_795_973_366_000)),
        ("2026-11-29T17:29", Int64(1_795_973_340_000)),
        ("2026-11-29", Int64(1_795_910_400_000)),
        ("2024-02-29T00:00:00.5Z", Int64(1_709_164_800_500)),
        ("2026-11-29T17:29:26.123456789Z", Int64(1_795_973_366_123)),
    ])
    func parsesISO8601(_ text: String, _ expected: Int64) throws {
        let parsed = try #require(Timestamp(iso8601: text))
        #expect(parsed.millisecondsSinceEpoch == expected)
    }

    @Test(arguments: ["2026-13-01", "2026-02-30", "2025-02-29", "2026-11-29T25:00", "2026-11-29T10:00Zjunk", "yesterday", "", "2026-1-1"])
    func rejectsInvalidDates(_ text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }

    @Test func formatsAndReparses() throws {
        for ms: Int64 in [0, 1, 951_782_400_000, 1_795_973_366_123, 4_102_444_800_000] {
            let t = Timestamp(millisecondsSinceEpoch: ms)
            #expect(Timestamp(iso8601: t.iso8601) == t)
        }
        #expect(Timestamp(millisecondsSinceEpoch: 1_795_973_366_123).iso8601 == "2026-11-29T17:29:26.123Z")
    }
}
