import ArgumentParser
import AttuneCore
import AttuneEngine

/// Parsing shared by `attune profiles impute` and `attune evaluate imputation`.
enum ImputeOptions {
    /// Attribute names, comma-separated, each once; identifying attributes are refused.
    static func attributeList(_ text: String) throws -> [String] {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
        guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 64 }) else {
            throw ValidationError("--attributes needs attribute names separated by commas, such as age,gender")
        }
        guard Set(names).count == names.count else { throw ValidationError("--attributes names an attribute twice") }
        for name in names where AttributeImputation.refused.contains(name) {
            throw ValidationError("--attributes: \"\(name)\" identifies a person and is never imputed")
        }
        return names
    }

    static func kList(_ text: String) throws -> [Int] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
            guard let k = Int(String(part).trimmingSpaces()), (1...1_000).contains(k) else {
                throw ValidationError("--k must be whole numbers from 1 to 1000, got \"\(part)\"")
            }
            return k
        }
    }
}
