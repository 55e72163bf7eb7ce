import Crypto

/// A canonical record: the CloudEvents 1.0 envelope of `canonical-model.md` around the data.
public struct CanonicalRecord: Sendable, Hashable {
    /// The record type, e.g. `personnel.record`.
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
    /// CloudEvents extension attributes (lower-case names), written before `data`; e.g.
    /// `ferryoriginid` on a record released with fields removed.
    public var extensions: [JSONObject.Member] = []

    /// Builds a record, computing its id.
    public init(type: String, source: String, subject: String, dataschema: String, time: String?,
                classification: Marking, data: JSONObject) {
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
        id(source: source, type: type) { JSONWriter(form: .canonical).write(.object(data), into: &$0) }
    }

    /// The id, with `writeCanonicalData` appending the data's RFC 8785 bytes.
    static func id(source: String, type: String, writeCanonicalData: (inout [UInt8]) -> Void) -> String {
        var bytes: [UInt8] = []
        // One allocation for a typical record instead of a growth step every doubling.
        bytes.reserveCapacity(source.utf8.count + type.utf8.count + 1_024)
        bytes.append(contentsOf: source.utf8)
        bytes.append(0x0A)
        bytes.append(contentsOf: type.utf8)
        bytes.append(0x0A)
        writeCanonicalData(&bytes)
        let digest = SHA256.hash(data: bytes)
        return String(unsafeUninitializedCapacity: 2 * SHA256.byteCount) { hex in
            var position = 0
            for byte in digest {
                hex[position] = hexDigit(byte >> 4)
                hex[position + 1] = hexDigit(byte & 0x0F)
                position += 2
            }
            return position
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    /// Appends the envelope's bytes: members in the order the canonical model gives, compact,
    /// strings escaped and `data` written as ``JSONWriter`` writes it.
    public func write(into buffer: inout [UInt8]) {
        Self.writeEnvelope(type: type, source: source, subject: subject, id: id, dataschema: dataschema, time: time,
                           classification: classification, extensions: extensions, into: &buffer) {
            JSONWriter().write(.object(data), into: &$0)
        }
    }

    /// Appends an envelope's bytes, with `writeData` appending the data's.
    static func writeEnvelope(
        type: String, source: String, subject: String, id: String, dataschema: String, time: String?, classification: Marking,
        extensions: [JSONObject.Member], into buffer: inout [UInt8], writeData: (inout [UInt8]) -> Void
    ) {
        func member(_ key: String, _ value: String) {
            JSONWriter.writeString(key, into: &buffer)
            buffer.append(UInt8(ascii: ":"))
            JSONWriter.writeString(value, into: &buffer)
            buffer.append(UInt8(ascii: ","))
        }
        buffer.append(UInt8(ascii: "{"))
        member("specversion", "1.0")
        member("type", type)
        member("source", source)
        member("subject", subject)
        member("id", id)
        member("dataschema", dataschema)
        if let time { member("time", time) }
        member("datacontenttype", "application/json")
        member("classification", classification.rawValue)
        let writer = JSONWriter()
        for extensionMember in extensions {
            JSONWriter.writeString(extensionMember.key, into: &buffer)
            buffer.append(UInt8(ascii: ":"))
            writer.write(extensionMember.value, into: &buffer)
            buffer.append(UInt8(ascii: ","))
        }
        JSONWriter.writeString("data", into: &buffer)
        buffer.append(UInt8(ascii: ":"))
        writeData(&buffer)
        buffer.append(UInt8(ascii: "}"))
    }

    /// The envelope's bytes (``write(into:)``).
    public var jsonBytes: [UInt8] {
        var bytes: [UInt8] = []
        write(into: &bytes)
        return bytes
    }
}
