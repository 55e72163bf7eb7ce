public import FerryCore

/// What happened in one conversion run; the CLI turns it into an exit status.
public struct ConversionReport: Sendable {
    /// Documents read: files, standard input, ZIP entries.
    public var documents = 0
    /// Documents read through with no record in them (another root, or none at the records path).
    public var documentsWithoutRecords = 0
    /// Records written.
    public var converted = 0
    /// Records rejected.
    public var rejected = 0
    /// Inputs that could not be opened.
    public var unopenable: [Diagnostic] = []
    /// Inputs that were not well-formed or not decodable.
    public var malformed: [Diagnostic] = []
    /// Archive entries skipped, and other warnings.
    public var warnings: [Diagnostic] = []

    /// Creates an empty report.
    public init() {}
}
