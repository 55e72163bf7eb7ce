import FerryCore
import Testing

/// `xml.ignore` patterns: which input paths each covers, itself and everything below it.
struct IgnorePatternTests {
    static let types = "urn:types"

    /// A path written `t:name` for the types namespace, `name` for none, `@a` for an attribute.
    static func path(_ text: String) -> (elements: [InputCoverage.Name], attribute: InputCoverage.Name?) {
        func name(_ step: Substring) -> InputCoverage.Name {
            step.hasPrefix("t:") ? (types, String(step.dropFirst(2))) : ("", String(step))
        }
        var elements: [InputCoverage.Name] = []
        var attribute: InputCoverage.Name?
        for step in text.split(separator: "/") {
            if step.hasPrefix("@") { attribute = name(step.dropFirst()) } else { elements.append(name(step)) }
        }
        return (elements, attribute)
    }

    static let signature = IgnorePattern(
        elements: [.anyDepth, .name(namespaces: [""], local: "signature")], attribute: nil, description: "**/signature")
    static let anyNamespace = IgnorePattern(
        elements: [.anyNamespace(local: "printForm")], attribute: nil, description: "*:printForm")
    static let oneStep = IgnorePattern(
        elements: [.name(namespaces: [""], local: "customer"), .any, .name(namespaces: [""], local: "note")],
        attribute: nil,
        description: "customer/*/note")
    static let attributes = IgnorePattern(
        elements: [.name(namespaces: [""], local: "customer")], attribute: .any, description: "customer/@*")

    @Test(arguments: [
        (signature, "signature", true), (signature, "a/b/signature", true), (signature, "signature/@id", true),
        (signature, "a/signature/x", true), (signature, "a/signatures", false), (signature, "a/t:signature", false),
        (anyNamespace, "printForm", true), (anyNamespace, "t:printForm/url", true),
        (anyNamespace, "a/printForm", false),
        (oneStep, "customer/x/note", true), (oneStep, "customer/note", false), (oneStep, "customer/x/y/note", false),
        (attributes, "customer/@inn", true), (attributes, "customer/@t:kpp", true), (attributes, "customer", false),
        (attributes, "customer/name/@lang", false),
    ])
    func coversAPathAndWhatIsBelowIt(_ pattern: IgnorePattern, _ text: String, _ covered: Bool) {
        let (elements, attribute) = Self.path(text)
        #expect(pattern.covers(elements, attribute: attribute) == covered, "\(pattern) on \(text)")
    }
}
