/// Finds e-mail addresses, URLs, order numbers, money amounts, dates and phone numbers in free
/// text with hand-written scanners over its UTF-8 bytes (no regular expressions, no allocation per
/// character).
///
/// Kinds are found in that order and a later kind never overlaps an earlier one, so the digits of
/// "order 12345", "€1,299" or "2024-03-05" are not also taken for a phone number.
package struct EntityExtractor: Sendable {
    package init() {}

    /// The entities of `text`, in reading order.
    /// - Complexity: O(n) in the length of the text.
    package func entities(in text: String) -> [TextEntity] {
        var copy = text
        return copy.withUTF8 { bytes in
            var scanner = EntityScanner(bytes: bytes)
            scanner.scanURLs()
            scanner.scanEmails()
            scanner.scanOrderNumbers()
            scanner.scanMoney()
            scanner.scanDates()
            scanner.scanPhones()
            return scanner.found.sorted { $0.range.lowerBound < $1.range.lowerBound }
        }
    }
}

struct EntityScanner {
    let b: UnsafeBufferPointer<UInt8>
    var found: [TextEntity] = []

    init(bytes: UnsafeBufferPointer<UInt8>) {
        b = bytes
    }

    // MARK: - Bytes

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    @inline(__always) static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
    @inline(__always) static func isAlnum(_ c: UInt8) -> Bool { isDigit(c) || isLetter(c) }
    @inline(__always) static func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }

    /// Whether a word may start at `i`: the byte before is neither an ASCII letter or digit nor
    /// part of a non-ASCII letter.
    @inline(__always) func startsWord(_ i: Int) -> Bool {
        i == 0 || !(Self.isAlnum(b[i - 1]) || b[i - 1] >= 0x80 || b[i - 1] == 0x5F)
    }

    @inline(__always) func endsWord(_ i: Int) -> Bool {
        i >= b.count || !(Self.isAlnum(b[i]) || b[i] >= 0x80 || b[i] == 0x5F)
    }

    func hasPrefix(_ word: StaticString, at i: Int, caseInsensitive: Bool = true) -> Bool {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        for k in 0..<n {
            let c = caseInsensitive ? Self.lower(b[i + k]) : b[i + k]
            if c != word.utf8Start[k] { return false }
        }
        return true
    }

    func overlapsFound(_ range: Range<Int>) -> Bool {
        found.contains { $0.range.overlaps(range) }
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[range]), as: UTF8.self)
    }

    mutating func add(_ kind: TextEntity.Kind, _ range: Range<Int>, normalized: String?) {
        guard !range.isEmpty, !overlapsFound(range) else { return }
        found.append(TextEntity(kind: kind, range: range, text: string(range), normalized: normalized))
    }

    func skipSpaces(_ i: Int, max: Int = 1) -> Int {
        var j = i
        var skipped = 0
        while j < b.count, skipped < max, b[j] == 0x20 || b[j] == 0x09 {
            j += 1
            skipped += 1
        }
        return j
    }

    func digitRun(_ i: Int) -> Int {
        var j = i
        while j < b.count, Self.isDigit(b[j]) { j += 1 }
        return j
    }

    func number(_ range: Range<Int>) -> Int {
        var value = 0
        for k in range where Self.isDigit(b[k]) { value = value &* 10 &+ Int(b[k] - 0x30) }
        return value
    }

    // MARK: - URLs and e-mail

    mutating func scanURLs() {
        var i = 0
        while i < b.count {
            guard Self.lower(b[i]) == 0x68 || Self.lower(b[i]) == 0x77, startsWord(i) else {
                i += 1
                continue
            }
            let prefix = hasPrefix("https://", at: i) ? 8 : hasPrefix("http://", at: i) ? 7 : hasPrefix("www.", at: i) ? 4 : 0
            guard prefix > 0 else {
                i += 1
                continue
            }
            var end = i + prefix
            while end < b.count {
                let c = b[end]
                if c <= 0x20 || c == 0x3C || c == 0x3E || c == 0x22 || c == 0x60 || c == 0x7F { break }
                end += 1
            }
            // Trailing sentence punctuation belongs to the sentence, not the address; a closing
            // bracket only when the address opened none.
            while end > i + prefix {
                let c = b[end - 1]
                if c == 0x2E || c == 0x2C || c == 0x3B || c == 0x3A || c == 0x21 || c == 0x3F || c == 0x27 {
                    end -= 1
                } else if c == 0x29 || c == 0x5D {
                    let open: UInt8 = c == 0x29 ? 0x28 : 0x5B
                    if b[(i + prefix)..<end].contains(open) { break }
                    end -= 1
                } else {
                    break
                }
            }
            if end > i + prefix, prefix != 4 || b[(i + prefix)..<end].contains(0x2E) {
                add(.url, i..<end, normalized: string(i..<end))
            }
            i = max(end, i + 1)
        }
    }

    @inline(__always) static func isLocalPart(_ c: UInt8) -> Bool {
        isAlnum(c) || c == 0x2E || c == 0x5F || c == 0x25 || c == 0x2B || c == 0x2D
    }

    mutating func scanEmails() {
        for at in 0..<b.count where b[at] == 0x40 {
            var start = at
            while start > 0, Self.isLocalPart(b[start - 1]) { start -= 1 }
            while start < at, b[start] == 0x2E { start += 1 }
            guard start < at else { continue }
            var end = at + 1
            while end < b.count, Self.isAlnum(b[end]) || b[end] == 0x2D || b[end] == 0x2E { end += 1 }
            while end > at + 1, b[end - 1] == 0x2E || b[end - 1] == 0x2D { end -= 1 }
            guard end > at + 1 else { continue }
            // The domain needs a dot, no empty label, and a top-level label of two letters or more.
            let domain = b[(at + 1)..<end]
            guard let lastDot = domain.lastIndex(of: 0x2E), lastDot > at + 1, end - lastDot > 2 else { continue }
            guard b[(lastDot + 1)..<end].allSatisfy(Self.isLetter) else { continue }
            var emptyLabel = false
            for k in (at + 1)..<(end - 1) where b[k] == 0x2E && b[k + 1] == 0x2E { emptyLabel = true }
            guard !emptyLabel, b[at + 1] != 0x2E else { continue }
            add(.email, start..<end, normalized: string(start..<end).lowercased())
        }
    }

    // MARK: - Order numbers

    /// An order identifier starting at `i`: letters, digits and inner hyphens, with at least
    /// `minimumDigits` digits. Returns its end.
    func identifier(at i: Int, minimumDigits: Int) -> Int? {
        var end = i
        var digits = 0
        while end < b.count, Self.isAlnum(b[end]) || (b[end] == 0x2D && end + 1 < b.count && Self.isAlnum(b[end + 1])) {
            if Self.isDigit(b[end]) { digits += 1 }
            end += 1
        }
        guard digits >= minimumDigits, endsWord(end) else { return nil }
        return end
    }

    mutating func scanOrderNumbers() {
        var i = 0
        while i < b.count {
            // "#12345"
            if b[i] == 0x23, startsWord(i), i + 1 < b.count, Self.isAlnum(b[i + 1]),
                let end = identifier(at: i + 1, minimumDigits: 3)
            {
                add(.orderNumber, i..<end, normalized: string((i + 1)..<end))
                i = end
                continue
            }
            // "order 12345", "Order no. A-12345", "order number: 12345", "order #12345"
            if Self.lower(b[i]) == 0x6F, startsWord(i), hasPrefix("order", at: i) {
                var j = i + 5
                if j < b.count, Self.lower(b[j]) == 0x73 { j += 1 }  // "orders"
                j = skipSpaces(j)
                for word: StaticString in ["number", "num", "no", "nr", "id"] {
                    let n = word.utf8CodeUnitCount
                    guard hasPrefix(word, at: j), endsWord(j + n) else { continue }
                    j += n
                    if j < b.count, b[j] == 0x2E { j += 1 }
                    break
                }
                j = skipSpaces(j)
                if j < b.count, b[j] == 0x3A || b[j] == 0x23 { j += 1 }
                j = skipSpaces(j)
                if j < b.count, Self.isAlnum(b[j]), let end = identifier(at: j, minimumDigits: 3) {
                    add(.orderNumber, i..<end, normalized: string(j..<end))
                    i = end
                    continue
                }
            }
            // "ORD-2024-001": a capitalised prefix, a hyphen, and digits.
            if b[i] >= 0x41 && b[i] <= 0x5A, startsWord(i) {
                var j = i
                while j < b.count, b[j] >= 0x41 && b[j] <= 0x5A { j += 1 }
                if j - i >= 2, j - i <= 5, j + 1 < b.count, b[j] == 0x2D, Self.isAlnum(b[j + 1]),
                    let end = identifier(at: i, minimumDigits: 4)
                {
                    add(.orderNumber, i..<end, normalized: string(i..<end))
                    i = end
                    continue
                }
            }
            i += 1
        }
    }

    // MARK: - Money

    static let currencyCodes: [(StaticString, String)] = [
        ("eur", "EUR"), ("usd", "USD"), ("gbp", "GBP"), ("chf", "CHF"), ("jpy", "JPY"), ("cad", "CAD"),
        ("aud", "AUD"), ("inr", "INR"), ("sek", "SEK"), ("nok", "NOK"), ("dkk", "DKK"), ("pln", "PLN"),
        ("euros", "EUR"), ("euro", "EUR"), ("dollars", "USD"), ("dollar", "USD"), ("pounds", "GBP"),
    ]

    /// A currency symbol or code ending just before `end` (after optional space): its start and code.
    func currency(before end: Int) -> (start: Int, code: String)? {
        let e = end > 0 && b[end - 1] == 0x20 ? end - 1 : end
        if e >= 1, b[e - 1] == 0x24 {
            // "US$", "$"
            if e >= 3, b[e - 3] == 0x55, b[e - 2] == 0x53 { return (e - 3, "USD") }
            return (e - 1, "USD")
        }
        if e >= 3, b[e - 3] == 0xE2, b[e - 2] == 0x82, b[e - 1] == 0xAC { return (e - 3, "EUR") }
        if e >= 3, b[e - 3] == 0xE2, b[e - 2] == 0x82, b[e - 1] == 0xB9 { return (e - 3, "INR") }
        if e >= 2, b[e - 2] == 0xC2, b[e - 1] == 0xA3 { return (e - 2, "GBP") }
        if e >= 2, b[e - 2] == 0xC2, b[e - 1] == 0xA5 { return (e - 2, "JPY") }
        for (word, code) in Self.currencyCodes {
            let n = word.utf8CodeUnitCount
            if e >= n, hasPrefix(word, at: e - n), startsWord(e - n) { return (e - n, code) }
        }
        return nil
    }

    /// A currency symbol or code starting at `start` (after optional space): its end and code.
    func currency(after start: Int) -> (end: Int, code: String)? {
        let s = skipSpaces(start)
        guard s < b.count else { return nil }
        if b[s] == 0x24 { return (s + 1, "USD") }
        if hasPrefix("\u{20AC}", at: s, caseInsensitive: false) { return (s + 3, "EUR") }
        if hasPrefix("\u{20B9}", at: s, caseInsensitive: false) { return (s + 3, "INR") }
        if hasPrefix("\u{A3}", at: s, caseInsensitive: false) { return (s + 2, "GBP") }
        if hasPrefix("\u{A5}", at: s, caseInsensitive: false) { return (s + 2, "JPY") }
        for (word, code) in Self.currencyCodes {
            let n = word.utf8CodeUnitCount
            if hasPrefix(word, at: s), endsWord(s + n) { return (s + n, code) }
        }
        return nil
    }

    /// An amount starting at `i`: digit groups with thousands separators and an optional decimal
    /// part ("1,299", "1.299,99", "12.50", "12,50"). Returns its end and value in hundredths.
    func amount(at i: Int) -> (end: Int, cents: Int)? {
        var end = digitRun(i)
        guard end > i else { return nil }
        var separators: [(position: Int, byte: UInt8)] = []
        while end + 1 < b.count, b[end] == 0x2C || b[end] == 0x2E || b[end] == 0x27, Self.isDigit(b[end + 1]) {
            separators.append((end, b[end]))
            end = digitRun(end + 1)
        }
        // A currency sign may follow directly ("12€"), a letter or digit may not.
        guard end >= b.count || !(Self.isAlnum(b[end]) || b[end] == 0x5F) else { return nil }
        var decimal: Int? = nil
        if let last = separators.last {
            let fraction = end - last.position - 1
            let others = separators.dropLast()
            if last.byte != 0x27, fraction <= 2, others.allSatisfy({ $0.byte != last.byte }) { decimal = last.position }
        }
        var whole = 0
        var cents = 0
        let wholeEnd = decimal ?? end
        for k in i..<wholeEnd where Self.isDigit(b[k]) { whole = whole &* 10 &+ Int(b[k] - 0x30) }
        if let decimal {
            let fraction = number((decimal + 1)..<end)
            cents = end - decimal - 1 == 1 ? fraction * 10 : fraction
        }
        return (end, whole &* 100 &+ cents)
    }

    static func formatCents(_ cents: Int, _ code: String) -> String {
        let fraction = cents % 100
        return "\(cents / 100).\(fraction < 10 ? "0" : "")\(fraction) \(code)"
    }

    mutating func scanMoney() {
        var i = 0
        while i < b.count {
            guard Self.isDigit(b[i]), i == 0 || !(Self.isDigit(b[i - 1]) || Self.isLetter(b[i - 1]) || b[i - 1] == 0x2E || b[i - 1] == 0x2C),
                let (end, cents) = amount(at: i)
            else {
                i += 1
                continue
            }
            if let (start, code) = currency(before: i) {
                add(.money, start..<end, normalized: Self.formatCents(cents, code))
            } else if let (currencyEnd, code) = currency(after: end) {
                add(.money, i..<currencyEnd, normalized: Self.formatCents(cents, code))
            }
            i = end
        }
    }

    // MARK: - Dates

    static let months: [(StaticString, Int)] = [
        ("january", 1), ("february", 2), ("march", 3), ("april", 4), ("may", 5), ("june", 6), ("july", 7),
        ("august", 8), ("september", 9), ("october", 10), ("november", 11), ("december", 12),
        ("sept", 9), ("jan", 1), ("feb", 2), ("mar", 3), ("apr", 4), ("jun", 6), ("jul", 7), ("aug", 8),
        ("sep", 9), ("oct", 10), ("nov", 11), ("dec", 12),
    ]

    static func iso(year: Int?, month: Int, day: Int) -> String? {
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        let m = month < 10 ? "0\(month)" : "\(month)"
        let d = day < 10 ? "0\(day)" : "\(day)"
        guard let year else { return "--\(m)-\(d)" }
        return "\(year)-\(m)-\(d)"
    }

    /// A month name at `i` (whole word, optional trailing "."): its end and number.
    func month(at i: Int) -> (end: Int, month: Int)? {
        guard startsWord(i) else { return nil }
        for (name, number) in Self.months {
            let n = name.utf8CodeUnitCount
            if hasPrefix(name, at: i), endsWord(i + n) {
                let end = i + n < b.count && b[i + n] == 0x2E && n == 3 ? i + n + 1 : i + n
                return (end, number)
            }
        }
        return nil
    }

    /// A day number at `i` with an optional ordinal suffix ("5", "5th"): its end and value.
    func day(at i: Int) -> (end: Int, day: Int)? {
        let end = digitRun(i)
        guard end > i, end - i <= 2 else { return nil }
        var e = end
        for suffix: StaticString in ["st", "nd", "rd", "th"] where hasPrefix(suffix, at: e) {
            e += 2
            break
        }
        guard endsWord(e) else { return nil }
        return (e, number(i..<end))
    }

    /// A four-digit year after a day (", 2024" or " 2024").
    func year(after i: Int) -> (end: Int, year: Int)? {
        var j = i
        if j < b.count, b[j] == 0x2C { j += 1 }
        j = skipSpaces(j)
        let end = digitRun(j)
        guard end - j == 4, endsWord(end) else { return nil }
        return (end, number(j..<end))
    }

    mutating func scanDates() {
        var i = 0
        while i < b.count {
            if Self.isDigit(b[i]), startsWord(i) {
                if let (end, normalized) = numericDate(at: i) {
                    add(.date, i..<end, normalized: normalized)
                    i = end
                    continue
                }
                // "5 March 2024", "5th of March"
                if let (dayEnd, day) = day(at: i) {
                    var j = skipSpaces(dayEnd)
                    if hasPrefix("of ", at: j) { j += 3 }
                    if let (monthEnd, month) = month(at: j) {
                        let year = self.year(after: monthEnd)
                        let end = year?.end ?? monthEnd
                        add(.date, i..<end, normalized: Self.iso(year: year?.year, month: month, day: day))
                        i = end
                        continue
                    }
                }
            }
            // "March 5, 2024", "Mar. 5th"
            if Self.isLetter(b[i]), let (monthEnd, month) = month(at: i) {
                let j = skipSpaces(monthEnd)
                if j > monthEnd, let (dayEnd, day) = day(at: j), day >= 1, day <= 31 {
                    let year = self.year(after: dayEnd)
                    let end = year?.end ?? dayEnd
                    add(.date, i..<end, normalized: Self.iso(year: year?.year, month: month, day: day))
                    i = end
                    continue
                }
                i = monthEnd
                continue
            }
            i += 1
        }
    }

    /// "2024-03-05", "2024/03/05", "05/03/2024", "5.3.24": the end and the ISO date when the
    /// order of day and month is certain (ISO order, a part above 12, or dots, which are written
    /// day first).
    func numericDate(at i: Int) -> (end: Int, normalized: String?)? {
        let firstEnd = digitRun(i)
        guard firstEnd < b.count, b[firstEnd] == 0x2D || b[firstEnd] == 0x2F || b[firstEnd] == 0x2E else { return nil }
        let separator = b[firstEnd]
        let secondEnd = digitRun(firstEnd + 1)
        guard secondEnd > firstEnd + 1, secondEnd - firstEnd - 1 <= 2, secondEnd < b.count, b[secondEnd] == separator
        else { return nil }
        let thirdEnd = digitRun(secondEnd + 1)
        guard thirdEnd > secondEnd + 1, endsWord(thirdEnd) else { return nil }
        if thirdEnd < b.count, b[thirdEnd] == separator, thirdEnd + 1 < b.count, Self.isDigit(b[thirdEnd + 1]) {
            return nil
        }
        let a = number(i..<firstEnd)
        let m = number((firstEnd + 1)..<secondEnd)
        let c = number((secondEnd + 1)..<thirdEnd)
        let firstLength = firstEnd - i
        let thirdLength = thirdEnd - secondEnd - 1
        if firstLength == 4 {
            guard thirdLength <= 2, let iso = Self.iso(year: a, month: m, day: c) else { return nil }
            return (thirdEnd, iso)
        }
        guard firstLength <= 2, thirdLength == 4 || thirdLength == 2 else { return nil }
        let year = thirdLength == 2 ? 2000 + c : c
        guard (1...31).contains(a), (1...31).contains(m), a <= 12 || m <= 12 else { return nil }
        if a > 12 || separator == 0x2E { return (thirdEnd, Self.iso(year: year, month: m, day: a)) }
        if m > 12 { return (thirdEnd, Self.iso(year: year, month: a, day: m)) }
        return (thirdEnd, nil)
    }

    // MARK: - Phones

    mutating func scanPhones() {
        var i = 0
        while i < b.count {
            let c = b[i]
            guard c == 0x2B || c == 0x28 || Self.isDigit(c), startsWord(i), i == 0 || b[i - 1] != 0x2D && b[i - 1] != 0x23
            else {
                i += 1
                continue
            }
            var end = i + 1
            var digits = Self.isDigit(c) ? 1 : 0
            var separated = false
            while end < b.count {
                let d = b[end]
                if Self.isDigit(d) {
                    digits += 1
                } else if d == 0x20 || d == 0x2D || d == 0x2E || d == 0x28 || d == 0x29 || d == 0x2F {
                    // One separator at a time, and only between digits or brackets.
                    if d == 0x20 || d == 0x2D || d == 0x2E || d == 0x2F {
                        guard end + 1 < b.count, Self.isDigit(b[end + 1]) || b[end + 1] == 0x28 else { break }
                    }
                    separated = true
                } else {
                    break
                }
                end += 1
            }
            while end > i, !Self.isDigit(b[end - 1]) { end -= 1 }
            if digits >= 7, digits <= 15, endsWord(end), c == 0x2B || separated || digits >= 10,
                !overlapsFound(i..<end)
            {
                var normalized = c == 0x2B ? "+" : ""
                for k in i..<end where Self.isDigit(b[k]) { normalized.unicodeScalars.append(Unicode.Scalar(b[k])) }
                add(.phone, i..<end, normalized: normalized)
            }
            i = max(end, i + 1)
        }
    }
}
