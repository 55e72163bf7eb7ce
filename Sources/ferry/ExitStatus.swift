/// Ferry's exit statuses, from the sysexits family where one fits.
enum ExitStatus: Int32, Sendable, Comparable {
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
    /// An output file cannot be created (EX_CANTCREAT).
    case cannotCreate = 73
    /// Output could not be written: a full device, an I/O error (EX_IOERR).
    case ioError = 74
    /// A schema or mapping is invalid (EX_CONFIG).
    case configuration = 78

    static func < (lhs: ExitStatus, rhs: ExitStatus) -> Bool { lhs.rawValue < rhs.rawValue }
}
