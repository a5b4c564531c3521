/// Bounds on what `RuleExpression.compile` accepts.
///
/// Rules arrive over the API, so every dimension that drives compile or evaluation cost, or stack
/// use, has a ceiling; the defaults leave ample room for hand-written rules.
package struct ExpressionLimits: Sendable, Hashable {
    /// Longest source text, in UTF-8 bytes.
    package var maxSourceBytes: Int
    /// Deepest nesting; each parenthesis, list bracket, call and prefix operator opens a level.
    /// Chains such as `a or b or c` do not nest.
    package var maxDepth: Int
    /// Most syntax nodes (literals, paths, operators, calls, lists).
    package var maxNodes: Int
    /// Most elements of one list literal.
    package var maxListElements: Int
    /// Longest string literal, in UTF-8 bytes after escapes are decoded.
    package var maxStringBytes: Int

    package init(
        maxSourceBytes: Int = 4096, maxDepth: Int = 32, maxNodes: Int = 512, maxListElements: Int = 256,
        maxStringBytes: Int = 1024
    ) {
        self.maxSourceBytes = maxSourceBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
        self.maxListElements = maxListElements
        self.maxStringBytes = maxStringBytes
    }

    /// The limits applied to rules received over the API.
    package static let standard = ExpressionLimits()
}
