import AttuneCore
import Hummingbird
import HummingbirdCore

/// A request's query string, parsed once. `uri.queryParameters` splits and percent-decodes the
/// whole query on every access, and a recommendation request reads about a dozen parameters.
package struct ParsedQuery {
    private let parameters: FlatDictionary<Substring, Substring>

    package init(_ request: Request) {
        parameters = request.uri.queryParameters
    }

    /// The value of a parameter given at most once; a repeated one is refused (see
    /// ``QueryParameters/string(_:_:)``).
    package func string(_ name: String) throws(AttuneError) -> String? {
        let values = parameters[values: name[...]]
        guard values.count <= 1 else { throw .invalid(name, "must be given at most once") }
        return values.first.map(String.init)
    }

    /// Every value of a repeated parameter, in order.
    package func strings(_ name: String) -> [String] {
        parameters[values: name[...]].map(String.init)
    }
}
