import FerryCore
public import FerryXML
import FerryYAML

/// Converts between XML, JSON, NDJSON and YAML without a mapping (`ferry convert --from --to`).
///
/// XML follows ``XMLJSONConvention``; YAML scalars are typed by the YAML 1.2 core schema; a
/// YAML stream of several documents gives one JSON value per document, one per line.
public struct FormatConverter {
    /// A format named by `--from` or `--to`.
    public enum Format: String, Sendable, CaseIterable {
        case xml, json, ndjson, yaml
    }

    public let from: Format
    public let to: Format
    /// How XML input is read: the whole document, or the elements at a depth one by one; which
    /// elements are always arrays.
    public var xmlReading: XMLJSONConvention.ReadOptions
    /// The element that wraps each value of XML output (``XMLJSONConvention/xml(fromJSON:root:)``);
    /// without it a value must be an object with one member, the root element.
    public var xmlRoot: String?

    /// Creates a converter.
    public init(
        from: Format, to: Format, xmlReading: XMLJSONConvention.ReadOptions = XMLJSONConvention.ReadOptions(),
        xmlRoot: String? = nil
    ) {
        self.from = from
        self.to = to
        self.xmlReading = xmlReading
        self.xmlRoot = xmlRoot
    }

    /// Converts one input; values that cannot be read or written are reported in `report`.
    ///
    /// XML input streams: each value is written as soon as it is read, so with
    /// ``XMLJSONConvention/ReadOptions/itemDepth`` memory holds one item at a time.
    public func convert(_ document: InputSet.Document, report: inout ConversionReport, write output: ([UInt8]) -> Void)
    {
        let location = DocumentLocation(path: document.displayPath, line: 1, column: 1)
        let writer = ValueWriter(to: to, xmlRoot: xmlRoot)
        var writeFailure: Diagnostic?
        func write(_ value: JSONValue) {
            guard writeFailure == nil else { return }
            do {
                try writer.write(value, to: output)
                report.converted += 1
            } catch let error as XMLWriteError {
                writeFailure = Diagnostic(.error, code: "xml.write", message: error.message, at: location)
            } catch {
                writeFailure = Diagnostic(.error, code: "output", message: "\(error)", at: location)
            }
        }
        do {
            try read(document, emit: write)
        } catch let error as XMLReadError {
            report.malformed.append(error.diagnostic)
        } catch let error as YAMLError {
            report.malformed.append(error.diagnostic)
        } catch let error as JSONParser.SyntaxError {
            report.malformed.append(
                Diagnostic(
                    .error, code: "json.syntax", message: error.message,
                    at: DocumentLocation(
                        path: document.displayPath, line: error.line,
                        column: error.column)))
        } catch {
            report.unopenable.append(
                Diagnostic(.error, code: "io.read", message: "cannot read: \(error)", at: location))
        }
        if writeFailure == nil {
            do {
                try writer.finish(to: output)
            } catch {
                writeFailure = Diagnostic(.error, code: "output", message: "\(error)", at: location)
            }
        }
        if let writeFailure { report.malformed.append(writeFailure) }
    }

    private func read(_ document: InputSet.Document, emit: (JSONValue) -> Void) throws {
        switch from {
        case .xml:
            try XMLJSONConvention.json(
                fromXML: document.stream, path: document.displayPath, options: xmlReading, emit: emit)
        case .yaml:
            let loader = YAMLLoader(input: document.stream, path: document.displayPath)
            while let node = try loader.nextDocument() { emit(try YAMLCoreSchema.jsonValue(node)) }
        case .json:
            emit(try JSONParser.parseDocument(try readAll(document), rejectsDuplicateNames: false))
        case .ndjson:
            var sequence = try JSONValueSequence(
                bytes: try readAll(document), splitArray: false, rejectsDuplicateNames: false)
            while let (value, _) = try sequence.next() { emit(value) }
        }
    }

    private func readAll(_ document: InputSet.Document) throws -> [UInt8] {
        var stream = document.stream
        return try stream.readAll()
    }

}

/// Writes values one after the other in an output format.
private struct ValueWriter {
    let to: FormatConverter.Format
    let xmlRoot: String?
    private let emitter: YAMLEmitter?

    init(to: FormatConverter.Format, xmlRoot: String?) {
        self.to = to
        self.xmlRoot = xmlRoot
        emitter = to == .yaml ? YAMLEmitter() : nil
    }

    func write(_ value: JSONValue, to output: ([UInt8]) -> Void) throws {
        switch to {
        case .json:
            output(JSONWriter().bytes(value) + [0x0A])
        case .ndjson:
            for item in value.arrayValue ?? [value] {
                output(JSONWriter().bytes(item) + [0x0A])
            }
        case .yaml:
            try emitter?.emit(value)
            output(emitter?.takeOutput() ?? [])
        case .xml:
            output(try XMLJSONConvention.xml(fromJSON: value, root: xmlRoot))
        }
    }

    func finish(to output: ([UInt8]) -> Void) throws {
        if let emitter { output(try emitter.finish()) }
    }
}
