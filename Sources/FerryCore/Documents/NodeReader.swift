/// Strict reading of a ``DocumentNode`` mapping: known keys only, each once, each of the
/// expected kind, with a diagnostic at the exact place of every problem.
///
/// Loaders keep going after a problem, so one run reports all of them.
package struct NodeReader {
    package let node: DocumentNode
    package let context: String
    private(set) var values: [String: DocumentNode] = [:]
    package private(set) var keyLocations: [String: DocumentLocation] = [:]
    /// Keys in document order.
    package private(set) var orderedKeys: [String] = []

    /// Reads `node` as a mapping with the given keys; reports duplicates, unknown keys and a
    /// node that is not a mapping.
    package init(_ node: DocumentNode, context: String, allowed: [String], diagnostics: inout DiagnosticList) {
        self.node = node
        self.context = context
        guard let pairs = node.pairs else {
            diagnostics.error("yaml.kind", "\(context) must be a mapping, found \(node.kindName)", at: node.location)
            return
        }
        for pair in pairs {
            guard let key = pair.key.scalar else {
                diagnostics.error("yaml.kind", "keys in \(context) must be scalars", at: pair.key.location)
                continue
            }
            if keyLocations[key] != nil {
                diagnostics.error("yaml.duplicate-key", "duplicate key '\(key)' in \(context)", at: pair.key.location)
                continue
            }
            keyLocations[key] = pair.key.location
            guard allowed.contains(key) || allowed.isEmpty else {
                var message = "unknown key '\(key)' in \(context)"
                if let suggestion = Self.closest(to: key, among: allowed) {
                    message += "; did you mean '\(suggestion)'?"
                }
                diagnostics.error("yaml.unknown-key", message, at: pair.key.location)
                continue
            }
            values[key] = pair.value
            orderedKeys.append(key)
        }
    }

    package subscript(key: String) -> DocumentNode? { values[key] }

    /// Reports a missing required key at the mapping's location.
    package func require(_ key: String, diagnostics: inout DiagnosticList) -> DocumentNode? {
        if let value = values[key] { return value }
        if node.pairs != nil {
            diagnostics.error("yaml.missing-key", "\(context) needs '\(key)'", at: node.location)
        }
        return nil
    }

    /// A string scalar, or a diagnostic for another kind.
    package func string(_ key: String, diagnostics: inout DiagnosticList) -> String? {
        guard let value = values[key] else { return nil }
        return Self.string(value, what: "'\(key)' in \(context)", diagnostics: &diagnostics)
    }

    package static func string(_ value: DocumentNode, what: String, diagnostics: inout DiagnosticList) -> String? {
        guard let text = value.scalar else {
            diagnostics.error("yaml.kind", "\(what) must be a scalar, found \(value.kindName)", at: value.location)
            return nil
        }
        return text
    }

    /// A boolean scalar (`true`/`false`), or a diagnostic.
    package func bool(_ key: String, diagnostics: inout DiagnosticList) -> Bool? {
        guard let value = values[key] else { return nil }
        switch value.scalar {
        case "true": return true
        case "false": return false
        default:
            diagnostics.error("yaml.kind", "'\(key)' in \(context) must be true or false", at: value.location)
            return nil
        }
    }

    /// A whole-number scalar, or a diagnostic.
    package func integer(_ key: String, diagnostics: inout DiagnosticList) -> Int? {
        values[key].flatMap { Self.integer($0, what: "'\(key)' in \(context)", diagnostics: &diagnostics) }
    }

    package static func integer(_ value: DocumentNode, what: String, diagnostics: inout DiagnosticList) -> Int? {
        guard let text = value.scalar, let number = Int(text) else {
            diagnostics.error("yaml.kind", "\(what) must be a whole number", at: value.location)
            return nil
        }
        return number
    }

    /// A decimal scalar, or a diagnostic.
    package func decimal(_ key: String, diagnostics: inout DiagnosticList) -> ExactDecimal? {
        values[key].flatMap { Self.decimal($0, what: "'\(key)' in \(context)", diagnostics: &diagnostics) }
    }

    package static func decimal(_ value: DocumentNode, what: String, diagnostics: inout DiagnosticList) -> ExactDecimal?
    {
        guard let text = value.scalar, let number = ExactDecimal(parsing: text[...], allowExponent: true) else {
            diagnostics.error("yaml.kind", "\(what) must be a number", at: value.location)
            return nil
        }
        return number
    }

    /// The allowed key closest to `key` by edit distance, when it is close enough to be a typo.
    package static func closest(to key: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(Array(key), Array($0))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, key.count / 3) else { return nil }
        return best.0
    }

    package static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
