import AttuneCore
import Foundation
import Hummingbird

extension AppRequestContext {
    /// A validated identifier from the path (percent-decoded).
    package func identifier<ID: ExternalIdentifier>(_ name: String, as type: ID.Type) throws(AttuneError) -> ID {
        guard let raw = parameters.get(name) else { throw AttuneError.missing(name) }
        var text = raw
        if raw.contains("%") {
            guard let decoded = raw.removingPercentEncoding else { throw .invalid(name, "is not valid percent-encoding") }
            text = decoded
        }
        return try ID.validated(text, field: name)
    }
}
