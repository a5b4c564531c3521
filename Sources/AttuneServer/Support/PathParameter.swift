import AttuneCore
import Foundation
import Hummingbird

extension AppRequestContext {
    /// A validated identifier from the path (percent-decoded).
    package func identifier<ID: ExternalIdentifier>(_ name: String, as type: ID.Type) throws(AttuneError) -> ID {
        guard let raw = parameters.get(name) else { throw AttuneError.missing(name) }
        var text = raw
        // A byte scan: with Foundation imported, `contains("%")` is its substring search.
        if raw.utf8.contains(UInt8(ascii: "%")) {
            guard let decoded = raw.removingPercentEncoding else { throw .invalid(name, "is not valid percent-encoding") }
            text = decoded
        }
        return try ID.validated(text, field: name)
    }
}
