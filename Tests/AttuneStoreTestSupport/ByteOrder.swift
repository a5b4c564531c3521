/// `strings` in the byte order of their UTF-8, the order in which both stores sort text (not a
/// locale's, nor Swift's `<`).
package func byteOrdered(_ strings: [String]) -> [String] {
    strings.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
}
