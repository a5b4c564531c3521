/// The source of "now" for everything that stamps or ages data; tests inject a fixed one.
package protocol WallClock: Sendable {
    func now() -> Timestamp
}
