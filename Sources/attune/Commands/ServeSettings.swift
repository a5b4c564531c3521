import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneServer
import AttuneStore
import Foundation

/// Settings of `attune serve` after applying precedence: flags > environment > config file > defaults.
struct ServeSettings {
    struct Flags {
        var host: String?
        var port: Int?
        var dataDirectory: String?
        var durability: String?
        var rateLimit: Double?
        var rateBurst: Int?
        var tlsCertificate: String?
        var tlsKey: String?
        /// Empty when the flag was not given.
        var corsOrigins: [String] = []
    }

    var host = "127.0.0.1"
    var port = 8080
    var dataDirectory = "./attune-data"
    var durability = SQLiteStore.Durability.full
    /// Requests per second per key; 0 turns limiting off.
    var rateLimit = 100.0
    var rateBurst = 200
    var tlsCertificate: String?
    var tlsKey: String?
    var corsOrigins: [String] = []

    static func resolve(flags: Flags, configFile: String?) throws -> ServeSettings {
        var settings = ServeSettings()
        if let configFile { try settings.apply(configFile: configFile) }
        try settings.applyEnvironment()
        if let v = flags.host { settings.host = v }
        if let v = flags.port { settings.port = v }
        if let v = flags.dataDirectory { settings.dataDirectory = v }
        if let v = flags.durability, let d = SQLiteStore.Durability(rawValue: v) { settings.durability = d }
        if let v = flags.rateLimit { settings.rateLimit = v }
        if let v = flags.rateBurst { settings.rateBurst = v }
        if flags.tlsCertificate != nil || flags.tlsKey != nil {
            // The pair travels together: a certificate from one source and a key from another
            // would be a mismatch found only at the first handshake.
            settings.tlsCertificate = flags.tlsCertificate
            settings.tlsKey = flags.tlsKey
        }
        if !flags.corsOrigins.isEmpty { settings.corsOrigins = flags.corsOrigins }
        try settings.validateSecurity()
        return settings
    }

    /// - Throws: `ValidationError` for a bad rate or burst, half a TLS pair, or a malformed origin.
    func validateSecurity() throws {
        _ = try resolvedRateLimit()
        guard (tlsCertificate == nil) == (tlsKey == nil) else {
            throw ValidationError("the TLS certificate and key go together (--tls-cert and --tls-key)")
        }
        for origin in corsOrigins {
            do {
                try CORSAllowListMiddleware<AppRequestContext>.validate(origin)
            } catch {
                throw ValidationError("CORS origin \"\(origin)\": \(error.message)")
            }
        }
    }

    /// Whether keys would cross a network in clear: plain HTTP bound beyond loopback.
    var exposesPlainHTTP: Bool {
        guard tlsCertificate == nil else { return false }
        let loopback = host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
        return !loopback
    }

    /// `nil` when limiting is off.
    func resolvedRateLimit() throws -> RateLimit? {
        guard rateLimit != 0 else { return nil }
        do {
            return try RateLimit(perSecond: rateLimit, burst: rateBurst)
        } catch {
            throw ValidationError("rate limit: \(error.message) (--rate-limit, --rate-burst)")
        }
    }

    private mutating func apply(configFile: String) throws {
        guard let data = FileManager.default.contents(atPath: configFile) else {
            throw ValidationError("cannot read the config file \(configFile)")
        }
        let json: JSONValue
        do {
            json = try JSONParser().parse(Array(data))
        } catch {
            throw ValidationError("the config file is not valid JSON: \(error.message)")
        }
        guard let members = json.objectMembers else { throw ValidationError("the config file must hold a JSON object") }
        for member in members {
            switch (member.key, member.value) {
            case ("host", .string(let v)): host = v
            case ("port", .number(let v)) where v == v.rounded() && (0...65_535).contains(v): port = Int(v)
            case ("dataDir", .string(let v)): dataDirectory = v
            case ("durability", .string(let v)) where SQLiteStore.Durability(rawValue: v) != nil:
                durability = SQLiteStore.Durability(rawValue: v)!
            case ("rateLimit", .number(let v)) where v.isFinite && v >= 0: rateLimit = v
            case ("rateBurst", .number(let v)) where v == v.rounded() && v >= 1 && v <= 1_000_000: rateBurst = Int(v)
            case ("tlsCert", .string(let v)): tlsCertificate = v
            case ("tlsKey", .string(let v)): tlsKey = v
            case ("corsOrigins", .array(let values)):
                corsOrigins = try values.map { value in
                    guard let origin = value.stringValue else { throw ValidationError("config file: corsOrigins must hold strings") }
                    return origin
                }
            default:
                throw ValidationError("config file: \"\(member.key)\" is unknown or has an invalid value")
            }
        }
    }

    private mutating func applyEnvironment() throws {
        if let v = Environment.value("ATTUNE_HOST") { host = v }
        if let v = Environment.value("ATTUNE_PORT") {
            guard let port = Int(v), (0...65_535).contains(port) else { throw ValidationError("ATTUNE_PORT must be a port number") }
            self.port = port
        }
        if let v = Environment.value("ATTUNE_DATA_DIR") { dataDirectory = v }
        if let v = Environment.value("ATTUNE_DURABILITY") {
            guard let d = SQLiteStore.Durability(rawValue: v) else { throw ValidationError("ATTUNE_DURABILITY must be full or normal") }
            durability = d
        }
        if let v = Environment.value("ATTUNE_RATE_LIMIT") {
            guard let rate = Double(v), rate.isFinite, rate >= 0 else {
                throw ValidationError("ATTUNE_RATE_LIMIT must be a number of requests per second (0 turns limiting off)")
            }
            rateLimit = rate
        }
        if let v = Environment.value("ATTUNE_RATE_BURST") {
            guard let burst = Int(v) else { throw ValidationError("ATTUNE_RATE_BURST must be a whole number") }
            rateBurst = burst
        }
        let certificate = Environment.value("ATTUNE_TLS_CERT")
        let key = Environment.value("ATTUNE_TLS_KEY")
        if certificate != nil || key != nil {
            tlsCertificate = certificate
            tlsKey = key
        }
        if let v = Environment.value("ATTUNE_CORS_ORIGINS") {
            corsOrigins = v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }
}
