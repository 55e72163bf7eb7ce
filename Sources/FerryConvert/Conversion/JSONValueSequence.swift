public import FerryCore

/// The JSON values of a document in order: the elements of a top-level array, or the values of
/// NDJSON (or any sequence of values separated by white space), each with its position.
public struct JSONValueSequence {
    private var parser: JSONParser
    private var arrayElements: [JSONValue]?
    private var arrayIndex = 0
    private let bytes: [UInt8]
    private let arrayLine: Int

    /// Reads `bytes`; a document that starts with `[` is one array whose elements are the values.
    /// - Parameter splitArray: whether a top-level array yields its elements (records) or itself.
    /// - Throws: ``JSONParser/SyntaxError`` when a top-level array is not valid JSON.
    public init(bytes: [UInt8], splitArray: Bool, rejectsDuplicateNames: Bool = true) throws(JSONParser.SyntaxError) {
        self.bytes = bytes
        parser = JSONParser(bytes: bytes, rejectsDuplicateNames: rejectsDuplicateNames)
        let start = parser.nextValueOffset()
        arrayLine = TextPosition.lineAndColumn(of: start, in: bytes).line
        if splitArray, start < bytes.count, bytes[start] == UInt8(ascii: "[") {
            arrayElements = try JSONParser.parseDocument(bytes, rejectsDuplicateNames: rejectsDuplicateNames).arrayValue
        }
    }

    /// The next value and the line it starts on, or nil at the end.
    /// - Throws: ``JSONParser/SyntaxError`` at the first value that is not valid JSON; values before it were returned.
    public mutating func next() throws(JSONParser.SyntaxError) -> (value: JSONValue, line: Int)? {
        if let arrayElements {
            guard arrayIndex < arrayElements.count else { return nil }
            defer { arrayIndex += 1 }
            return (arrayElements[arrayIndex], arrayLine)
        }
        guard !parser.isAtEnd() else { return nil }
        let line = TextPosition.lineAndColumn(of: parser.nextValueOffset(), in: bytes).line
        return (try parser.parseValue(), line)
    }
}
