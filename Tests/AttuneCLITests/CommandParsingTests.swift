import ArgumentParser
import AttuneEngine
import AttuneTestSupport
import Testing

@testable import attune

struct CommandParsingTests {
    @Test func parsesServeOptions() throws {
        let command = try AttuneCommand.parseAsRoot(["serve", "--data-dir", "/tmp/x", "--port", "9000", "--host", "0.0.0.0"])
        let serve = try #require(command as? ServeCommand)
        #expect(serve.dataDirectory == "/tmp/x")
        #expect(serve.port == 9000)
        #expect(serve.host == "0.0.0.0")
        #expect(serve.headerTimeoutSeconds == 20 && serve.idleTimeoutSeconds == 60)
        #expect(serve.jobs.importDone == "delete", "imported files are not kept by default")
        let keeping = try #require(try AttuneCommand.parseAsRoot(["serve", "--import-done", "keep"]) as? ServeCommand)
        #expect(keeping.jobs.importDone == "keep")
        let timed = try #require(
            try AttuneCommand.parseAsRoot(["serve", "--header-timeout-seconds", "5", "--idle-timeout-seconds", "30"])
                as? ServeCommand)
        #expect(timed.headerTimeoutSeconds == 5 && timed.idleTimeoutSeconds == 30)
        #expect(timed.eventLoops == nil, "NIO's loops unless asked")
        let oneLoop = try #require(try AttuneCommand.parseAsRoot(["serve", "--event-loops", "1"]) as? ServeCommand)
        #expect(oneLoop.eventLoops == 1)
    }

    @Test(arguments: [
        ["serve", "--port", "70000"],
        ["serve", "--durability", "sometimes"],
        ["serve", "--import-done", "archive"],
        ["serve", "--rate-limit", "-1"],
        ["serve", "--rate-limit", "nan"],
        ["serve", "--rate-burst", "0"],
        ["serve", "--tls-cert", "/tmp/cert.pem"],
        ["serve", "--tls-key", "/tmp/key.pem"],
        ["serve", "--cors-origin", "*"],
        ["serve", "--cors-origin", "https://shop.example/"],
        ["serve", "--consent-default", "opt-maybe"],
        ["serve", "--no-pseudonymize", "--pii-field", "card"],
        ["serve", "--pii-field", ""],
        ["import", "users", "--no-pseudonymize", "--pii-field", "card", "/dev/null"],
        ["serve", "--header-timeout-seconds", "0"],
        ["serve", "--header-timeout-seconds", "nan"],
        ["serve", "--idle-timeout-seconds", "-5"],
        ["serve", "--event-loops", "0"],
        ["serve", "--event-loops", "257"],
        ["serve", "--event-loops", "two"],
        ["serve", "--import-dir", "/definitely/not/here"],
        ["serve", "--import-dir", "/tmp", "--import-interval-seconds", "0"],
        ["serve", "--role", "replica"],
        ["serve", "--role", ""],
        ["serve", "--role", "api", "--import-dir", "/tmp"],
        ["serve", "--role", "api", "--retention-days", "30"],
        ["worker", "--retrain-seconds", "0.5"],
        ["worker", "--retrain-model", "oracle"],
        ["worker", "--retention-days", "0"],
        ["worker", "--import-dir", "/definitely/not/here"],
        ["worker", "--model-poll-seconds", "0"],
        ["worker", "--durability", "sometimes"],
        ["worker", "--log-level", "loud"],
        ["worker", "--port", "8080"],
        ["import", "transactions", "--list-separator", "||", "/dev/null"],
        ["import", "transactions", "/definitely/not/here.csv"],
        ["import", "consent", "/definitely/not/here.csv"],
        ["import", "events", "/definitely/not/here.csv"],
        ["import", "events", "--format", "xml", "/dev/null"],
        ["import", "events", "--default-type", "", "/dev/null"],
        ["import", "items", "--list-separator", "||", "/dev/null"],
        ["workspaces", "create", "Bad Name"],
        ["bench", "ingest", "--batch", "0"],
        ["bench", "serve", "--endpoint", "healthz"],
        ["bench", "serve", "--event-loops", "0"],
        ["bench", "bpr", "--interactions", "/definitely/not/here.csv"],
        ["bench", "bpr", "--interactions", "/dev/null", "--learning-rate", "0"],
        ["bench", "bpr", "--interactions", "/dev/null", "--epochs", "-1"],
        ["bench", "model-load", "--items", "10"],
        ["bench", "model-load", "--repeats", "0"],
        ["bench", "scan", "--queries", "0"],
        ["bench", "scan", "--rounds", "0"],
        ["bench", "scan", "--k", "20", "0"],
        ["demo", "--users", "0"],
        ["no-such-command"],
    ])
    func rejectsInvalidArguments(_ arguments: [String]) {
        #expect(throws: (any Error).self) { try AttuneCommand.parseAsRoot(arguments) }
    }

    @Test func parsesRolesAndTheWorker() throws {
        let plain = try #require(try AttuneCommand.parseAsRoot(["serve"]) as? ServeCommand)
        #expect(plain.role == "all", "one process runs everything unless told otherwise")
        let api = try #require(try AttuneCommand.parseAsRoot(["serve", "--role", "api"]) as? ServeCommand)
        #expect(api.role == "api")
        let worker = try #require(
            try AttuneCommand.parseAsRoot([
                "worker", "--data-dir", "/tmp/x", "--retrain-seconds", "30", "--retrain-model", "als", "--retention-days", "7",
                "--segment-train-hours", "0", "--model-poll-seconds", "2",
            ]) as? WorkerCommand)
        #expect(worker.dataDirectory == "/tmp/x")
        #expect(worker.jobs.retrainSeconds == 30 && worker.jobs.retrainModel == "als" && worker.jobs.retentionDays == 7)
        #expect(worker.jobs.segmentTrainHours == 0 && worker.modelWatch.modelPollSeconds == 2)
        let defaults = try #require(try AttuneCommand.parseAsRoot(["worker"]) as? WorkerCommand)
        #expect(defaults.jobs.retrainSeconds == plain.jobs.retrainSeconds && defaults.jobs.retrainModel == plain.jobs.retrainModel)
    }

    @Test func parsesTheModelLoadBenchmark() throws {
        let command = try #require(
            try AttuneCommand.parseAsRoot(["bench", "model-load", "--items", "2000", "--factors", "8", "--repeats", "1"])
                as? BenchModelLoad)
        #expect(command.items == 2_000 && command.factors == 8 && command.repeats == 1 && command.users == 10_000)
    }

    @Test func parsesTheScanBenchmark() throws {
        let command = try #require(
            try AttuneCommand.parseAsRoot(["bench", "scan", "--k", "10", "30", "--rounds", "2"]) as? BenchScan)
        #expect(command.k == [10, 30] && command.rounds == 2 && command.queries == 20_000)
        #expect(command.dataDir == "data/bench-serve" && command.version == nil)
    }

    @Test func pseudonymisationIsOnUnlessTurnedOff() throws {
        let plain = try #require(try AttuneCommand.parseAsRoot(["serve"]) as? ServeCommand)
        #expect(plain.personalData.pseudonymize && plain.personalData.piiFields.isEmpty)
        let extra = try #require(try AttuneCommand.parseAsRoot(["serve", "--pii-field", "card"]) as? ServeCommand)
        #expect(extra.personalData.pseudonymize && extra.personalData.piiFields == ["card"])
        let off = try #require(try AttuneCommand.parseAsRoot(["serve", "--no-pseudonymize"]) as? ServeCommand)
        #expect(!off.personalData.pseudonymize)
        #expect(try off.personalData.protection(dataDirectory: "/definitely/not/here") == nil, "no key is loaded when off")
        let events = try #require(try AttuneCommand.parseAsRoot(["import", "events", "/dev/null"]) as? ImportEvents)
        #expect(events.personalData.pseudonymize)
    }

    @Test func parsesSecurityOptions() throws {
        let command = try AttuneCommand.parseAsRoot([
            "serve", "--rate-limit", "50", "--rate-burst", "10", "--cors-origin", "https://a.example",
            "--cors-origin", "http://localhost:3000", "--tls-cert", "c.pem", "--tls-key", "k.pem",
        ])
        let serve = try #require(command as? ServeCommand)
        let settings = try ServeSettings.resolve(flags: serve.flags, configFile: nil)
        #expect(try settings.resolvedRateLimit() == (try RateLimit(perSecond: 50, burst: 10)))
        #expect(settings.corsOrigins == ["https://a.example", "http://localhost:3000"])
        #expect(settings.tlsCertificate == "c.pem" && settings.tlsKey == "k.pem")
        let off = try #require(try AttuneCommand.parseAsRoot(["serve", "--rate-limit", "0"]) as? ServeCommand)
        #expect(try ServeSettings.resolve(flags: off.flags, configFile: nil).resolvedRateLimit() == nil)
        let defaults = try ServeSettings.resolve(flags: .init(), configFile: nil)
        #expect(try defaults.resolvedRateLimit() == (try RateLimit(perSecond: 100, burst: 200)))
        #expect(defaults.corsOrigins.isEmpty && defaults.tlsCertificate == nil)
    }

    @Test func plainHTTPBeyondLoopbackIsFlagged() throws {
        #expect(try !ServeSettings.resolve(flags: .init(), configFile: nil).exposesPlainHTTP)
        #expect(try !ServeSettings.resolve(flags: .init(host: "localhost"), configFile: nil).exposesPlainHTTP)
        #expect(try ServeSettings.resolve(flags: .init(host: "0.0.0.0"), configFile: nil).exposesPlainHTTP)
        #expect(try !ServeSettings.resolve(flags: .init(host: "0.0.0.0", tlsCertificate: "c", tlsKey: "k"), configFile: nil).exposesPlainHTTP)
    }

    @Test func securitySettingsComeFromTheConfigFileUnderFlags() throws {
        let path = FileManagerTemp.write(
            #"{"rateLimit": 5, "rateBurst": 7, "corsOrigins": ["https://a.example"], "tlsCert": "c.pem", "tlsKey": "k.pem"}"#)
        let fromFile = try ServeSettings.resolve(flags: .init(), configFile: path)
        #expect(try fromFile.resolvedRateLimit() == (try RateLimit(perSecond: 5, burst: 7)))
        #expect(fromFile.corsOrigins == ["https://a.example"])
        #expect(fromFile.tlsCertificate == "c.pem" && fromFile.tlsKey == "k.pem")
        let flagged = try ServeSettings.resolve(
            flags: .init(rateLimit: 0, corsOrigins: ["https://b.example"]), configFile: path)
        #expect(try flagged.resolvedRateLimit() == nil)
        #expect(flagged.corsOrigins == ["https://b.example"])
        for bad in [
            #"{"rateLimit": -1}"#, #"{"rateBurst": 0}"#, #"{"rateBurst": 1.5}"#, #"{"corsOrigins": "https://a.example"}"#,
            #"{"corsOrigins": [1]}"#, #"{"corsOrigins": ["*"]}"#, #"{"tlsCert": "c.pem"}"#, #"{"rateLimit": 2000000}"#,
        ] {
            #expect(throws: (any Error).self) { try ServeSettings.resolve(flags: .init(), configFile: FileManagerTemp.write(bad)) }
        }
    }

    @Test func settingsPrecedenceIsFlagsThenFileThenDefaults() throws {
        let path = FileManagerTemp.write(#"{"host": "0.0.0.0", "port": 9100, "dataDir": "/srv/attune"}"#)
        let fromFile = try ServeSettings.resolve(flags: .init(), configFile: path)
        #expect(fromFile.host == "0.0.0.0")
        #expect(fromFile.port == 9100)
        #expect(fromFile.dataDirectory == "/srv/attune")
        let flagged = try ServeSettings.resolve(flags: .init(port: 9200), configFile: path)
        #expect(flagged.port == 9200)
        #expect(flagged.host == "0.0.0.0")
        let defaults = try ServeSettings.resolve(flags: .init(), configFile: nil)
        #expect(defaults.host == "127.0.0.1")
        #expect(defaults.port == 8080)
        for bad in [#"{"port": "x"}"#, #"{"unknown": 1}"#, "[", #"{"durability": "maybe"}"#] {
            #expect(throws: (any Error).self) { try ServeSettings.resolve(flags: .init(), configFile: FileManagerTemp.write(bad)) }
        }
    }
}
