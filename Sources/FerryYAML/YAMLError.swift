public import FerryCore

/// Why a YAML document could not be read, and where.
public struct YAMLError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let message: String
    /// Where: the problem's mark as libyaml reports it, 1-based, columns in Unicode scalars.
    public let location: DocumentLocation

    init(_ message: String, at location: DocumentLocation) {
        self.message = message
        self.location = location
    }

    /// `path:line:column: message`.
    public var description: String { "\(location): \(message)" }

    /// The error as a diagnostic with the code `yaml.syntax`.
    public var diagnostic: Diagnostic { Diagnostic(.error, code: "yaml.syntax", message: message, at: location) }
}
