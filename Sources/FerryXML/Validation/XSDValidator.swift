internal import CLibXML2
public import FerryCore

/// Validates documents against an XML Schema with libxml2's validator, while streaming them
/// through the same hardened reader as conversion (no DOCTYPE, no network, bounded).
///
/// The schema and the files it includes or imports are read from disk once, when the validator
/// is created; nothing is fetched from the network. Single-owner: use it from one task.
public final class XSDValidator {
    private let schema: xmlSchemaPtr

    /// Loads a schema.
    /// - Throws: ``XMLReadError`` with the location of the first problem in the schema.
    public init(schemaPath: String) throws(XMLReadError) {
        _ = LibXML.initialized
        ferry_discard_generic_errors()
        guard let parser = xmlSchemaNewParserCtxt(schemaPath) else {
            throw XMLReadError(
                .io, "cannot read the schema", at: DocumentLocation(path: schemaPath, line: 1, column: 1))
        }
        defer { xmlSchemaFreeParserCtxt(parser) }
        final class Collector { var first: XMLReadError? }
        let collector = Collector()
        xmlSchemaSetParserStructuredErrors(
            parser,
            { context, error in
                guard let context, let error else { return }
                let collector = Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
                guard collector.first == nil, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
                let file = error.pointee.file.map { String(cString: $0) } ?? ""
                collector.first = XMLReadError(
                    .invalid,
                    (error.pointee.message.map { String(cString: $0) } ?? "invalid schema")
                        .trimmingTrailingNewlines(),
                    at: DocumentLocation(path: file, line: max(Int(error.pointee.line), 1), column: 1))
            }, Unmanaged.passUnretained(collector).toOpaque())
        guard let schema = xmlSchemaParse(parser) else {
            throw collector.first
                ?? XMLReadError(
                    .invalid, "the schema does not compile",
                    at: DocumentLocation(path: schemaPath, line: 1, column: 1))
        }
        self.schema = schema
    }

    deinit { xmlSchemaFree(schema) }

    /// Validates one document.
    /// - Returns: every validity error, each with its line and column; empty when valid.
    /// - Throws: ``XMLReadError`` when the document is not well-formed or cannot be read.
    public func validate(_ input: any ByteStream, path: String, limits: XMLLimits = XMLLimits()) throws(XMLReadError)
        -> [XMLReadError]
    {
        let reader = XMLStreamReader(input: input, path: path, limits: limits, schema: schema)
        while try reader.read() {}
        return reader.validityErrors
    }
}
