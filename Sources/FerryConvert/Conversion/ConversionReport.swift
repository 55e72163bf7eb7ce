public import FerryCore

/// What happened in one conversion run; the CLI turns it into an exit status.
public struct ConversionReport: Sendable {
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

    /// The exit status by the documented rule: the highest that applies.
    public var exitStatus: ExitStatus {
        var status = ExitStatus.success
        if rejected > 0 { status = max(status, .rejects) }
        if !malformed.isEmpty { status = max(status, .dataError) }
        if !unopenable.isEmpty { status = max(status, .noInput) }
        return status
    }
}

/// Ferry's exit statuses, from the sysexits family where one fits.
public enum ExitStatus: Int32, Sendable, Comparable {
    /// Everything converted.
    case success = 0
    /// Some records were rejected; the rest were written.
    case rejects = 1
    /// The command line is wrong (EX_USAGE).
    case usage = 64
    /// An input is not well-formed or not decodable (EX_DATAERR).
    case dataError = 65
    /// An input cannot be opened (EX_NOINPUT).
    case noInput = 66
    /// A service the command needs (the gateway) cannot be reached (EX_UNAVAILABLE).
    case unavailable = 69
    /// An internal error: a bug (EX_SOFTWARE).
    case internalError = 70
    /// A schema or mapping is invalid (EX_CONFIG).
    case configuration = 78

    public static func < (lhs: ExitStatus, rhs: ExitStatus) -> Bool { lhs.rawValue < rhs.rawValue }
}
