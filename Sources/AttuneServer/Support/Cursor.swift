import AttuneCore
import Foundation

/// Opaque pagination cursors: base64url text, so any id survives a query string untouched.
package enum Cursor {
    package static func encode(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    package static func decode(_ cursor: String) throws(AttuneError) -> String {
        guard cursor.utf8.count <= 512 else { throw .invalid("cursor", "is not a cursor this server issued") }
        var base = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base.count % 4 != 0 { base += "=" }
        guard let data = Data(base64Encoded: base), let text = String(data: data, encoding: .utf8), !text.isEmpty else {
            throw .invalid("cursor", "is not a cursor this server issued")
        }
        return text
    }

    /// A log position cursor.
    package static func decodeSequence(_ cursor: String) throws(AttuneError) -> Int64 {
        guard let value = Int64(try decode(cursor)), value >= 0 else {
            throw .invalid("cursor", "is not a cursor this server issued")
        }
        return value
    }
}
