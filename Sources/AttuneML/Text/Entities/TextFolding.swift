/// Folds text for name matching: lower case (with the case-folding cases lower-casing misses, such
/// as "ß" to "ss"), compatibility forms of Latin letters and digits (full-width "Ｎｉｋｅ", ligatures)
/// to their plain forms, variation selectors dropped, and every run of punctuation, spaces and
/// control characters to one space. Letters of every script, digits and marks are kept, and each
/// symbol (emoji) is kept as a word of its own, so "Dr. Martens", "dr martens" and "DR-MARTENS!" fold alike.
///
/// The input is expected in NFC (the engine normalises text on ingest), so that canonically
/// equivalent spellings are already the same scalars.
package enum TextFolding {
    /// The folded UTF-8 bytes of `bytes` and, for each folded byte, the offset in `bytes` of the
    /// scalar it came from.
    /// - Complexity: O(n); ASCII is folded byte by byte without decoding.
    package static func fold(_ bytes: UnsafeBufferPointer<UInt8>, into folded: inout [UInt8], origins: inout [Int32]) {
        folded.removeAll(keepingCapacity: true)
        origins.removeAll(keepingCapacity: true)
        var pendingSpace = false
        var i = 0
        @inline(__always) func emit(_ byte: UInt8, from origin: Int) {
            if pendingSpace {
                if !folded.isEmpty {
                    folded.append(0x20)
                    origins.append(Int32(origin))
                }
                pendingSpace = false
            }
            folded.append(byte)
            origins.append(Int32(origin))
        }
        @inline(__always) func emitScalar(_ scalar: UInt32, from origin: Int) {
            if scalar < 0x80 {
                let byte = UInt8(scalar)
                if isASCIIWordByte(byte) { emit(byte | (byte >= 0x41 && byte <= 0x5A ? 0x20 : 0), from: origin) } else { pendingSpace = true }
                return
            }
            switch scalar {
            case 0x80..<0x800:
                emit(UInt8(0xC0 | scalar >> 6), from: origin)
                emit(UInt8(0x80 | scalar & 0x3F), from: origin)
            case 0x800..<0x10000:
                emit(UInt8(0xE0 | scalar >> 12), from: origin)
                emit(UInt8(0x80 | (scalar >> 6) & 0x3F), from: origin)
                emit(UInt8(0x80 | scalar & 0x3F), from: origin)
            default:
                emit(UInt8(0xF0 | scalar >> 18), from: origin)
                emit(UInt8(0x80 | (scalar >> 12) & 0x3F), from: origin)
                emit(UInt8(0x80 | (scalar >> 6) & 0x3F), from: origin)
                emit(UInt8(0x80 | scalar & 0x3F), from: origin)
            }
        }
        while i < bytes.count {
            let byte = bytes[i]
            if byte < 0x80 {
                if isASCIIWordByte(byte) {
                    emit(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte, from: i)
                } else {
                    pendingSpace = true
                }
                i += 1
                continue
            }
            let (value, length) = UTF8Scalars.decode(bytes, at: i)
            defer { i += length }
            switch value {
            case 0xFE00...0xFE0F:
                continue
            case 0xFF01...0xFF5E:
                emitScalar(value - 0xFEE0, from: i)
                continue
            case 0xDF, 0x1E9E:
                emit(0x73, from: i); emit(0x73, from: i)
                continue
            case 0x3C2:
                emitScalar(0x3C3, from: i)
                continue
            case 0xFB00...0xFB06:
                let f: UInt8 = 0x66, l: UInt8 = 0x6C, s: UInt8 = 0x73, t: UInt8 = 0x74
                switch value {
                case 0xFB00: emit(f, from: i); emit(f, from: i)
                case 0xFB01: emit(f, from: i); emit(0x69, from: i)
                case 0xFB02: emit(f, from: i); emit(l, from: i)
                case 0xFB03: emit(f, from: i); emit(f, from: i); emit(0x69, from: i)
                case 0xFB04: emit(f, from: i); emit(f, from: i); emit(l, from: i)
                default: emit(s, from: i); emit(t, from: i)
                }
                continue
            case 0x200D:
                emitScalar(value, from: i)
                continue
            default:
                break
            }
            guard let scalar = Unicode.Scalar(value) else {
                pendingSpace = true
                continue
            }
            let properties = scalar.properties
            let category = properties.generalCategory
            if isSeparator(category) {
                pendingSpace = true
            } else if isSymbol(category) {
                // A symbol (emoji included) is a word of its own: "pizza🍕" and "pizza 🍕" fold alike.
                pendingSpace = true
                emitScalar(value, from: i)
                pendingSpace = true
            } else if properties.changesWhenLowercased {
                for lowered in properties.lowercaseMapping.unicodeScalars { emitScalar(lowered.value, from: i) }
            } else {
                emitScalar(value, from: i)
            }
        }
    }

    @inline(__always)
    static func isASCIIWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    static func isSeparator(_ category: Unicode.GeneralCategory) -> Bool {
        switch category {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation, .spaceSeparator, .lineSeparator, .paragraphSeparator, .control,
            .format, .surrogate, .unassigned, .privateUse:
            return true
        default:
            return false
        }
    }

    static func isSymbol(_ category: Unicode.GeneralCategory) -> Bool {
        switch category {
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: return true
        default: return false
        }
    }

    /// The folded form of `text` as a string (for building patterns and for tests).
    package static func folded(_ text: String) -> String {
        var copy = text
        var folded: [UInt8] = []
        var origins: [Int32] = []
        copy.withUTF8 { fold($0, into: &folded, origins: &origins) }
        return String(decoding: folded, as: UTF8.self)
    }

    /// Han ideographs, kana, Thai and other scripts written without spaces between words: a name
    /// in them may start or end inside a run of letters.
    @inline(__always)
    static func isSpaceless(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x0E00...0x0EFF, 0x1000...0x109F, 0x1780...0x17FF, 0x3040...0x30FF, 0x31F0...0x31FF, 0x3400...0x4DBF,
            0x4E00...0x9FFF, 0xF900...0xFAFF, 0xFF66...0xFF9D, 0x20000...0x3FFFF:
            return true
        default:
            return false
        }
    }
}
