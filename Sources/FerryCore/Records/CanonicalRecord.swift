import Crypto

/// A canonical record: the CloudEvents 1.0 envelope of `canonical-model.md` around the data.
///
/// The envelope has exactly the members the canonical model names and no extension members:
/// what a record carries is its data and what is computed from the data it holds.
public struct CanonicalRecord: Sendable, Hashable {
    /// The record type, for example `personnel.record`.
    public var type: String
    /// URI of the system the record came from.
    public var source: String
    /// The record's key as a string.
    public var subject: String
    /// Lowercase hex SHA-256 of `source`, `type` and the canonical data, joined by newlines.
    public var id: String
    /// `urn:ferry:schema:<type>:<major>`.
    public var dataschema: String
    /// When the source exported or published the record, RFC 3339.
    public var time: String?
    /// The record-level marking.
    public var classification: Marking
    /// The fields, in schema order.
    public var data: JSONObject

    /// The envelope's members, in the order they are written: all a canonical record may have
    /// (`time` is optional).
    ///
    /// Anything else is refused on input and never written.
    public static let envelopeMembers: [String] = [
        "specversion", "type", "source", "subject", "id", "dataschema", "time", "datacontenttype", "classification",
        "data",
    ]

    /// Builds a record, computing its id.
    public init(
        type: String, source: String, subject: String, dataschema: String, time: String?,
        classification: Marking, data: JSONObject
    ) {
        self.type = type
        self.source = source
        self.subject = subject
        self.dataschema = dataschema
        self.time = time
        self.classification = classification
        self.data = data
        id = Self.id(source: source, type: type, data: data)
    }

    /// The deterministic id: SHA-256 over `source\ntype\n<RFC 8785 data>` with numbers in
    /// their shortest exact decimal form, as lowercase hex.
    public static func id(source: String, type: String, data: JSONObject) -> String {
        var canonical: [UInt8] = []
        JSONWriter(form: .canonical).write(.object(data), into: &canonical)
        return id(prefix: idPrefix(source: source, type: type), canonicalData: canonical)
    }

    /// `source\ntype\n`, what an id hashes before the data.
    static func idPrefix(source: String, type: String) -> [UInt8] { Array("\(source)\n\(type)\n".utf8) }

    /// SHA-256 over `prefix` (``idPrefix(source:type:)``) and then `canonicalData`, as lowercase hex.
    static func id(prefix: [UInt8], canonicalData: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(data: prefix)
        hasher.update(data: canonicalData)
        return hasher.finalize().hexadecimal
    }

    /// Appends the envelope's bytes: members in the order the canonical model gives, compact,
    /// strings escaped and `data` written as ``JSONWriter`` writes it.
    public func write(into buffer: inout [UInt8]) {
        Envelope(type: type, source: source, dataschema: dataschema).write(
            subject: subject, id: id, time: time, classification: classification, into: &buffer
        ) {
            JSONWriter().write(.object(data), into: &$0)
        }
    }

    /// What the envelopes of one record type from one source share: the members that are the
    /// same in every record, as bytes worked out once.
    struct Envelope: Sendable {
        /// The bytes `{"specversion":"1.0","type":…,"source":…,"subject":`.
        private let head: [UInt8]
        /// The bytes `"dataschema":…,`.
        private let dataschemaMember: [UInt8]

        init(type: String, source: String, dataschema: String) {
            var head: [UInt8] = []
            head.append(UInt8(ascii: "{"))
            Self.appendMember("specversion", "1.0", to: &head)
            Self.appendMember("type", type, to: &head)
            Self.appendMember("source", source, to: &head)
            JSONWriter.writeString("subject", into: &head)
            head.append(UInt8(ascii: ":"))
            self.head = head
            var dataschemaMember: [UInt8] = []
            Self.appendMember("dataschema", dataschema, to: &dataschemaMember)
            self.dataschemaMember = dataschemaMember
        }

        private static func appendMember(_ key: String, _ value: String, to buffer: inout [UInt8]) {
            JSONWriter.writeString(key, into: &buffer)
            buffer.append(UInt8(ascii: ":"))
            JSONWriter.writeString(value, into: &buffer)
            buffer.append(UInt8(ascii: ","))
        }

        /// Appends an envelope's bytes, with `writeData` appending the data's.
        func write(
            subject: String, id: String, time: String?, classification: Marking, into buffer: inout [UInt8],
            writeData: (inout [UInt8]) -> Void
        ) {
            buffer.append(contentsOf: head)
            JSONWriter.writeString(subject, into: &buffer)
            buffer.append(UInt8(ascii: ","))
            Self.appendMember("id", id, to: &buffer)
            buffer.append(contentsOf: dataschemaMember)
            if let time { Self.appendMember("time", time, to: &buffer) }
            Self.appendMember("datacontenttype", "application/json", to: &buffer)
            Self.appendMember("classification", classification.rawValue, to: &buffer)
            JSONWriter.writeString("data", into: &buffer)
            buffer.append(UInt8(ascii: ":"))
            writeData(&buffer)
            buffer.append(UInt8(ascii: "}"))
        }
    }

    /// The envelope's bytes (``write(into:)``).
    public var jsonBytes: [UInt8] {
        var bytes: [UInt8] = []
        write(into: &bytes)
        return bytes
    }
}
