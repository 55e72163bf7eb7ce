/// Reads canonical records from JSON and checks them completely: the envelope, the data
/// against the record type's schema, and the claimed `id`, `subject`, `dataschema` and
/// `classification` against the values recomputed from the data.
public struct EnvelopeChecker: Sendable {
    private let validators: [String: RecordValidator]

    /// Creates a checker for the record types of the given validators.
    public init(validators: [RecordValidator]) {
        self.validators = Dictionary(validators.map { ($0.schema.recordType, $0) }, uniquingKeysWith: { a, _ in a })
    }

    private static let envelopeMembers = Set(CanonicalRecord.envelopeMembers)

    /// Checks one value.
    /// - Returns: the record, or every problem found with its JSON pointer.
    public func check(_ value: JSONValue) -> Result<CanonicalRecord, RecordProblems> {
        guard case .object(let envelope) = value else {
            return .failure(
                RecordProblems([
                    RecordProblem(
                        code: "record.type", pointer: "",
                        message: "a record is a JSON object, found \(value.kindName)")
                ]))
        }
        var problems: [RecordProblem] = []
        func string(_ member: String, required: Bool = true) -> String? {
            switch envelope[member] {
            case .string(let s)?: return s
            case nil:
                if required {
                    problems.append(
                        RecordProblem(code: "envelope.required", pointer: "/\(member)", message: "\(member) is missing")
                    )
                }
            case let other?:
                problems.append(
                    RecordProblem(
                        code: "envelope.type", pointer: "/\(member)",
                        message: "\(member) must be a string, found \(other.kindName)"))
            }
            return nil
        }
        // An allow-list: a member beside the envelope's could carry anything past release by
        // marking, which decides on `data` alone (a sender's own extension, or one in Ferry's name).
        for key in envelope.keys where !Self.envelopeMembers.contains(key) {
            problems.append(
                RecordProblem(
                    code: "envelope.unknown-member", pointer: "/\(pointerToken(key))",
                    message: "\(key) is not a member of the canonical envelope"))
        }
        if let version = string("specversion"), version != "1.0" {
            problems.append(
                RecordProblem(
                    code: "envelope.specversion", pointer: "/specversion", message: "specversion must be \"1.0\""))
        }
        if let contentType = string("datacontenttype"), contentType != "application/json" {
            problems.append(
                RecordProblem(
                    code: "envelope.datacontenttype", pointer: "/datacontenttype",
                    message: "datacontenttype must be \"application/json\""))
        }
        let type = string("type")
        let source = string("source")
        let subject = string("subject")
        let id = string("id")
        let dataschema = string("dataschema")
        let time = string("time", required: false)
        let classification = string("classification")
        if let time, !DateTimeText.isValid(time[...]) {
            problems.append(
                RecordProblem(code: "envelope.time", pointer: "/time", message: "time must be RFC 3339 with an offset"))
        }
        if let source, source.isEmpty || !source.contains(":") {
            problems.append(RecordProblem(code: "envelope.source", pointer: "/source", message: "source must be a URI"))
        }
        guard let type, let validator = validators[type] else {
            if let type {
                problems.append(
                    RecordProblem(
                        code: "envelope.unknown-type", pointer: "/type",
                        message: "no schema for record type \(type)"))
            }
            return .failure(RecordProblems(problems))
        }
        guard case .object(let data)? = envelope["data"] else {
            problems.append(RecordProblem(code: "envelope.data", pointer: "/data", message: "data must be an object"))
            return .failure(RecordProblems(problems))
        }
        problems += validator.validate(data)
        let schema = validator.schema
        if let dataschema, dataschema != schema.dataschema {
            problems.append(
                RecordProblem(
                    code: "envelope.dataschema", pointer: "/dataschema",
                    message: "dataschema must be \(schema.dataschema)"))
        }
        let key: String? =
            switch data[schema.keyField] {
            case .string(let s)?: s
            case .number(let n)?: n.text
            default: nil
            }
        if let subject, let key, subject != key {
            problems.append(
                RecordProblem(
                    code: "envelope.subject", pointer: "/subject",
                    message: "subject must equal the key field \(schema.keyField)"))
        }
        let marking = validator.classification(of: data)
        if let classification, classification != marking.rawValue {
            problems.append(
                RecordProblem(
                    code: "envelope.classification", pointer: "/classification",
                    message: "classification must be \(marking.rawValue) for this data"))
        }
        if let source, let id, id != CanonicalRecord.id(source: source, type: type, data: data) {
            problems.append(
                RecordProblem(
                    code: "envelope.id", pointer: "/id",
                    message: "id does not match the SHA-256 of source, type and data"))
        }
        guard problems.isEmpty, let source, let subject else { return .failure(RecordProblems(problems)) }
        return .success(
            CanonicalRecord(
                type: type, source: source, subject: subject, dataschema: schema.dataschema,
                time: time, classification: marking, data: data))
    }
}

/// The problems of one record, as an error.
public struct RecordProblems: Error, Sendable {
    public var problems: [RecordProblem]
    public init(_ problems: [RecordProblem]) { self.problems = problems }
}
