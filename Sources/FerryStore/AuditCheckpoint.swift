public import FerryCore

/// A signed statement of the audit chain's head, kept in the store and in a file outside it:
/// someone who can rewrite the database cannot recompute the chain without the signing key.
public struct AuditCheckpoint: Sendable, Hashable {
    public var sequence: Int
    public var hash: String
    public var time: String
    public var keyID: String
    /// Ed25519 signature (base64) over ``signedBytes``.
    public var signature: String

    public init(sequence: Int, hash: String, time: String, keyID: String, signature: String) {
        self.sequence = sequence
        self.hash = hash
        self.time = time
        self.keyID = keyID
        self.signature = signature
    }

    /// What the signature covers: `ferry-audit-checkpoint\n<sequence>\n<hash>\n<time>`.
    public static func signedBytes(sequence: Int, hash: String, time: String) -> [UInt8] {
        Array("ferry-audit-checkpoint\n\(sequence)\n\(hash)\n\(time)".utf8)
    }

    /// The checkpoint as the JSON object of its file.
    public var jsonValue: JSONValue {
        .object(
            JSONObject([
                ("sequence", .integer(sequence)), ("hash", .string(hash)),
                ("time", .string(time)), ("key_id", .string(keyID)), ("signature", .string(signature)),
            ]))
    }

    /// Reads a checkpoint file's JSON.
    public init?(json value: JSONValue) {
        guard let object = value.objectValue, let sequence = object["sequence"]?.integerValue,
            let hash = object["hash"]?.stringValue, let time = object["time"]?.stringValue,
            let keyID = object["key_id"]?.stringValue, let signature = object["signature"]?.stringValue
        else { return nil }
        self.init(sequence: sequence, hash: hash, time: time, keyID: keyID, signature: signature)
    }
}
