internal import CLibXML2
import FerryCore

/// What every Ferry XML parser shares: the input pulled through ``MarkupGuard`` (DOCTYPE, depth
/// and start-tag limits) and the first error kept with its line and column, whether libxml2,
/// the guard or the input raised it.
///
/// Single-owner, like the parser it serves.
final class GuardedParse {
    private var guarded: MarkupGuard
    let path: String
    private var inputError: (any Error)?
    private var firstError: XMLReadError?
    /// XML Schema validity errors, collected (validation goes on after them).
    private(set) var validityErrors: [XMLReadError] = []

    init(input: any ByteStream, path: String, limits: XMLLimits) {
        _ = LibXML.initialized
        ferry_discard_generic_errors()
        guarded = MarkupGuard(input, limits: limits, path: path)
        self.path = path
    }

    /// Whether reading or parsing has failed.
    var hasFailed: Bool { firstError != nil || inputError != nil || guarded.failure != nil }

    /// Reads the next bytes for libxml2 into `buffer`.
    /// - Returns: the number of bytes, 0 at the end, -1 when the input or the guard failed.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        do {
            return try guarded.read(into: buffer)
        } catch {
            inputError = error
            return -1
        }
    }

    /// Keeps an error libxml2 reports: the first error of the document, or a schema validity
    /// error.
    ///
    /// Warnings are ignored.
    /// - Returns: whether it was an error.
    @discardableResult
    func keep(_ error: UnsafePointer<xmlError>) -> Bool {
        guard error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue else { return false }
        var message = (error.pointee.message.map { String(cString: $0) } ?? "not well-formed")
            .trimmingTrailingNewlines()
        if error.pointee.code == Int32(XML_ERR_DOCUMENT_END.rawValue)
            || error.pointee.code == Int32(XML_ERR_DOCUMENT_EMPTY.rawValue)
        {
            // libxml2's reader says "Extra content at the end of the document" where the input
            // simply stops: say what happened.
            let open = guarded.openElements
            if guarded.bytesRead == 0 {
                message = "the document is empty"
            } else if guarded.reachedEnd && open > 0 && !guarded.rootClosed {
                message =
                    "premature end of data: the input ends inside \(open) open \(open == 1 ? "element" : "elements")"
            }
        }
        let at = location(line: max(Int(error.pointee.line), 1), column: max(Int(error.pointee.int2), 1))
        if error.pointee.domain == Int32(XML_FROM_SCHEMASV.rawValue) {
            validityErrors.append(XMLReadError(.invalid, message, at: at))
            return true
        }
        let kind: XMLReadError.Kind =
            switch error.pointee.code {
            case Int32(XML_ERR_INVALID_ENCODING.rawValue), Int32(XML_ERR_UNKNOWN_ENCODING.rawValue),
                Int32(XML_ERR_UNSUPPORTED_ENCODING.rawValue), Int32(XML_I18N_CONV_FAILED.rawValue):
                .encoding
            default: .notWellFormed
            }
        keep(XMLReadError(kind, message, at: at))
        return true
    }

    /// Keeps an error unless one came first; for limits of Ferry's own, found while parsing.
    func keep(_ error: XMLReadError) {
        if firstError == nil { firstError = error }
    }

    /// The error that stopped parsing, with its location.
    /// - Parameter line: the parser's line, for a failure libxml2 reported without one.
    func failure(line: Int) -> XMLReadError {
        if let guardFailure = guarded.failure { return guardFailure }
        if let inputError {
            return XMLReadError(.io, "cannot read input: \(inputError)", at: location(line: 1, column: 1))
        }
        // libxml2 reports encoding conversion failures only on its generic channel.
        return firstError
            ?? XMLReadError(
                .notWellFormed, "the document is not well-formed, or its bytes do not match its declared encoding",
                at: location(line: max(line, 1), column: 1))
    }

    func location(line: Int, column: Int) -> DocumentLocation {
        DocumentLocation(path: path, line: line, column: column)
    }
}
