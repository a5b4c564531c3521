import ArgumentParser

/// How a process follows the trained models of its data directory, shared by `serve` and `worker`.
struct ModelWatchOptions: ParsableArguments {
    @Option(help: "Seconds between checks for a newer trained model to promote.")
    var modelPollSeconds: Double = 5

    @Option(help: "A new model is not promoted when its validation NDCG@10 is lower than the served one's by more than this.")
    var promotionMargin: Double = 0.01

    func validate() throws {
        guard promotionMargin >= 0, promotionMargin <= 1 else { throw ValidationError("--promotion-margin must be from 0 to 1") }
        guard modelPollSeconds >= 0.1, modelPollSeconds <= 86_400 else {
            throw ValidationError("--model-poll-seconds must be from 0.1 to 86400")
        }
    }

    var pollInterval: Duration { .milliseconds(Int64(modelPollSeconds * 1000)) }
}
