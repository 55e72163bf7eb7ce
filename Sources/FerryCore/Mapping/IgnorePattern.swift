/// An entry of `xml.ignore`: input below the record that the mapping leaves out on purpose,
/// with everything below it, written as a path whose steps may be wildcards.
///
/// - `name`, `p:name`: the element (or `@attribute`) of that name;
/// - `*`: any one element;
/// - `**`: any number of elements, none included;
/// - `*:name`: the element of that local name in any namespace (or none);
/// - `@*`, `@*:name`: any attribute, the attribute of that local name in any namespace.
///
/// ```yaml
/// ignore: [attachments, "**/signature", "*:printForm", "customer/@*"]
/// ```
public struct IgnorePattern: Sendable, CustomStringConvertible {
    /// One step of the pattern.
    public enum Step: Sendable, Equatable {
        /// A name, its namespaces (a prefix may bind several) resolved when the mapping was loaded.
        case name(namespaces: [String], local: String)
        /// `*`: any one element, or `@*` any attribute.
        case any
        /// `*:name`: any namespace.
        case anyNamespace(local: String)
        /// `**`: any number of elements.
        case anyDepth

        func matches(namespace: String, local: String) -> Bool {
            switch self {
            case .name(let namespaces, let expectedLocal):
                expectedLocal == local && namespaces.contains(namespace)
            case .any: true
            case .anyNamespace(let expectedLocal): expectedLocal == local
            case .anyDepth: false
            }
        }
    }

    /// The element steps from the record down.
    public let elements: [Step]
    /// The attribute step that ends the pattern, if it ends with one.
    public let attribute: Step?
    /// As written in the mapping.
    public let description: String

    /// A pattern of these steps.
    public init(elements: [Step], attribute: Step?, description: String) {
        self.elements = elements
        self.attribute = attribute
        self.description = description
    }

    /// Whether the pattern covers an input path: the path, or an element above it, matches.
    /// - Parameters:
    ///   - path: the path's elements from the record down, each as namespace URI and local name.
    ///   - attribute: the attribute that ends the path, if any.
    public func covers(
        _ path: [(namespace: String, local: String)], attribute pathAttribute: (namespace: String, local: String)?
    )
        -> Bool
    {
        if let attribute {
            guard let pathAttribute, attribute.matches(namespace: pathAttribute.namespace, local: pathAttribute.local)
            else { return false }
            return Self.match(elements[...], path[...], wholePath: true)
        }
        return Self.match(elements[...], path[...], wholePath: false)
    }

    /// Whether the steps match the path (all of it, or a prefix of it when not `wholePath`).
    private static func match(
        _ steps: ArraySlice<Step>, _ path: ArraySlice<(namespace: String, local: String)>, wholePath: Bool
    ) -> Bool {
        guard let step = steps.first else { return !wholePath || path.isEmpty }
        if step == .anyDepth {
            // ** takes none, one, or more of the path's elements.
            var rest = path
            while true {
                if match(steps.dropFirst(), rest, wholePath: wholePath) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let element = path.first, step.matches(namespace: element.namespace, local: element.local) else {
            return false
        }
        return match(steps.dropFirst(), path.dropFirst(), wholePath: wholePath)
    }
}
