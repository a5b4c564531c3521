import AttuneCore
import AttuneEngine
import Testing

struct TokenBucketTests {
    @Test func aFullBucketAdmitsTheBurstThenAsksToWaitOneInterval() throws {
        let bucket = TokenBucket(limit: try RateLimit(perSecond: 10, burst: 3))
        let now: UInt64 = 5_000_000_000
        for _ in 0..<3 { #expect(bucket.acquire(now: now) == .admitted) }
        #expect(bucket.acquire(now: now) == .limited(retryAfterNanoseconds: 100_000_000))
        // Refused requests take nothing: the wait does not grow.
        #expect(bucket.acquire(now: now) == .limited(retryAfterNanoseconds: 100_000_000))
    }

    @Test func tokensComeBackAtTheRateAndNeverBeyondTheBurst() throws {
        let bucket = TokenBucket(limit: try RateLimit(perSecond: 2, burst: 2))
        var now: UInt64 = 1_000_000_000
        #expect(bucket.acquire(now: now) == .admitted)
        #expect(bucket.acquire(now: now) == .admitted)
        #expect(bucket.acquire(now: now) != .admitted)
        now += 500_000_000
        #expect(bucket.acquire(now: now) == .admitted)
        #expect(bucket.acquire(now: now) != .admitted)
        // A long idle spell refills to the burst, not more.
        now += 3_600_000_000_000
        #expect(bucket.acquire(now: now) == .admitted)
        #expect(bucket.acquire(now: now) == .admitted)
        #expect(bucket.acquire(now: now) != .admitted)
    }

    @Test func concurrentCallersShareTheBurstExactly() async throws {
        let bucket = TokenBucket(limit: try RateLimit(perSecond: 1, burst: 100))
        let admitted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var count = 0
                    for _ in 0..<50 where bucket.acquire(now: 42) == .admitted { count += 1 }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(admitted == 100)
    }

    @Test(arguments: [(0.0, 1), (-1, 1), (.nan, 1), (.infinity, 1), (2_000_000, 1), (1, 0), (1, 2_000_000)])
    func rejectsNonsenseLimits(_ rate: Double, _ burst: Int) {
        #expect(throws: AttuneError.self) { try RateLimit(perSecond: rate, burst: burst) }
    }
}
