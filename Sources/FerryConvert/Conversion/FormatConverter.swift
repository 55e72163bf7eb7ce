import FerryCore
import FerryXML
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

    /// Creates a converter.
    public init(from: Format, to: Format) {
        self.from = from
        self.to = to
    }

    /// Converts one input; values that cannot be read or written are reported in `report`.
    public func convert(_ document: InputSet.Document, report: inout ConversionReport, write output: ([UInt8]) -> Void)
    {
        let location = DocumentLocation(path: document.displayPath, line: 1, column: 1)
        var values: [JSONValue] = []
        do {
            values = try read(document)
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
        do {
            try write(values, to: output)
            report.converted += values.count
        } catch let error as XMLWriteError {
            report.malformed.append(Diagnostic(.error, code: "xml.write", message: error.message, at: location))
        } catch {
            report.malformed.append(Diagnostic(.error, code: "output", message: "\(error)", at: location))
        }
    }

    private func read(_ document: InputSet.Document) throws -> [JSONValue] {
        switch from {
        case .xml:
            return [try XMLJSONConvention.json(fromXML: document.stream, path: document.displayPath)]
        case .yaml:
            let loader = YAMLLoader(input: document.stream, path: document.displayPath)
            var values: [JSONValue] = []
            while let node = try loader.nextDocument() { values.append(try YAMLCoreSchema.jsonValue(node)) }
            return values
        case .json:
            return [try JSONParser.parseDocument(try readAll(document), rejectsDuplicateNames: false)]
        case .ndjson:
            var sequence = try JSONValueSequence(
                bytes: try readAll(document), splitArray: false, rejectsDuplicateNames: false)
            var values: [JSONValue] = []
            while let (value, _) = try sequence.next() { values.append(value) }
            return values
        }
    }

    private func readAll(_ document: InputSet.Document) throws -> [UInt8] {
        var stream = document.stream
        return try stream.readAll()
    }

    private func write(_ values: [JSONValue], to output: ([UInt8]) -> Void) throws {
        let writer = JSONWriter()
        switch to {
        case .json:
            for value in values {
                output(writer.bytes(value) + [0x0A])
            }
        case .ndjson:
            for value in values {
                for item in value.arrayValue ?? [value] {
                    output(writer.bytes(item) + [0x0A])
                }
            }
        case .yaml:
            let emitter = YAMLEmitter()
            for value in values {
                try emitter.emit(value)
                output(emitter.takeOutput())
            }
            output(try emitter.finish())
        case .xml:
            for value in values { output(try XMLJSONConvention.xml(fromJSON: value)) }
        }
    }
}
