import Crypto
public import FerryCore
import Foundation

/// What a delivery's signature covers: the destination it was made for, the delivery, when,
/// the SHA-256 of the exact body, the ids of the records in it and the key that signs.
///
/// The signature is Ed25519 over the manifest's RFC 8785 form, so a body copied to another
/// destination, or a record list edited beside it, no longer verifies.
///
/// A directory drop's sidecar is the manifest with its `signature` member; an HTTP delivery
/// carries the same members in `Ferry-*` headers (``headers``), from which a receiver rebuilds
/// the manifest (`docs/gateway.md` shows how).
public struct DeliveryManifest: Sendable, Hashable {
    /// The manifest format's version, a member of what is signed.
    public static let version = 1
    /// The signature algorithm, a member of what is signed.
    public static let algorithm = "Ed25519"

    public var destination: String
    public var deliveryID: String
    /// RFC 3339 UTC time of the delivery.
    public var time: String
    /// Lowercase hex SHA-256 of the body.
    public var bodySHA256: String
    /// The ids of the records in the body, in order.
    public var recordIDs: [String]
    public var keyID: String

    /// A manifest for a body about to be signed with a key.
    public init(
        destination: String, deliveryID: String, time: String, body: [UInt8], recordIDs: [String], keyID: String
    ) {
        self.init(
            destination: destination, deliveryID: deliveryID, time: time,
            bodySHA256: SHA256.hash(data: body).hexadecimal, recordIDs: recordIDs, keyID: keyID)
    }

    /// A manifest as a receiver read it.
    public init(
        destination: String, deliveryID: String, time: String, bodySHA256: String, recordIDs: [String], keyID: String
    ) {
        self.destination = destination
        self.deliveryID = deliveryID
        self.time = time
        self.bodySHA256 = bodySHA256
        self.recordIDs = recordIDs
        self.keyID = keyID
    }

    /// The manifest's members (a sidecar's, less `signature`).
    public var jsonObject: JSONObject {
        JSONObject([
            ("ferry_manifest", .integer(Self.version)), ("algorithm", .string(Self.algorithm)),
            ("destination", .string(destination)), ("delivery_id", .string(deliveryID)), ("time", .string(time)),
            ("body_sha256", .string(bodySHA256)), ("record_ids", .array(recordIDs.map(JSONValue.string))),
            ("key_id", .string(keyID)),
        ])
    }

    /// The bytes the signature covers: the manifest's RFC 8785 form.
    public var signedBytes: [UInt8] { JSONWriter(form: .canonical).bytes(.object(jsonObject)) }

    /// Whether a body is the one this manifest names.
    public func matches(body: [UInt8]) -> Bool { SHA256.hash(data: body).hexadecimal == bodySHA256 }

    /// A signed sidecar's bytes: the manifest's members and the signature, one line of JSON.
    public func sidecar(signature: String) -> [UInt8] {
        var object = jsonObject
        object["signature"] = .string(signature)
        return JSONWriter().bytes(.object(object)) + [0x0A]
    }

    /// The HTTP headers of a delivery: the manifest's members and the signature.
    public func headers(signature: String) -> [(name: String, value: String)] {
        [
            ("Ferry-Manifest", "\(Self.version)"), ("Ferry-Destination", destination),
            ("Ferry-Delivery-Id", deliveryID),
            ("Ferry-Time", time), ("Ferry-Body-SHA256", bodySHA256),
            ("Ferry-Record-Ids", recordIDs.joined(separator: ",")),
            ("Ferry-Key-Id", keyID), ("Ferry-Signature", signature),
        ]
    }

    /// A signed manifest as a receiver holds it.
    public enum Signed: Sendable, Hashable {
        /// A manifest and the signature over it.
        case manifest(DeliveryManifest, signature: String)
        /// The body-only form of earlier releases: a signature over the body, and record ids
        /// nobody signed. It is bound to no destination.
        case bodyOnly(keyID: String, signature: String, recordIDs: [String])
    }

    /// Reads a sidecar: a signed manifest, or the earlier body-only form.
    /// - Returns: nil when the JSON is neither.
    public static func signed(sidecar value: JSONValue) -> Signed? {
        guard var object = value.objectValue, case .string(let signature)? = object["signature"] else { return nil }
        object["signature"] = nil
        if object["ferry_manifest"] == nil {
            guard let keyID = object["key_id"]?.stringValue else { return nil }
            return .bodyOnly(
                keyID: keyID, signature: signature,
                recordIDs: object["record_ids"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
        guard let manifest = DeliveryManifest(object) else { return nil }
        return .manifest(manifest, signature: signature)
    }

    /// Reads the manifest of an HTTP delivery from its headers (names in any case).
    /// - Returns: nil when a header is missing or of another manifest version.
    public static func signed(headers: [String: String]) -> Signed? {
        let lowercased = Dictionary(
            headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        guard lowercased["ferry-manifest"] == "\(version)", let destination = lowercased["ferry-destination"],
            let deliveryID = lowercased["ferry-delivery-id"], let time = lowercased["ferry-time"],
            let bodySHA256 = lowercased["ferry-body-sha256"], let ids = lowercased["ferry-record-ids"],
            let keyID = lowercased["ferry-key-id"], let signature = lowercased["ferry-signature"]
        else { return nil }
        let manifest = DeliveryManifest(
            destination: destination, deliveryID: deliveryID, time: time, bodySHA256: bodySHA256,
            recordIDs: ids.split(separator: ",").map(String.init), keyID: keyID)
        return .manifest(manifest, signature: signature)
    }

    /// A manifest from exactly its members: a member missing, of another type or unknown is nil,
    /// so that nothing unsigned can sit beside what is signed.
    init?(_ object: JSONObject) {
        guard Set(object.keys) == Set(Self.members), object["ferry_manifest"] == .integer(Self.version),
            object["algorithm"] == .string(Self.algorithm),
            let destination = object["destination"]?.stringValue, let deliveryID = object["delivery_id"]?.stringValue,
            let time = object["time"]?.stringValue, let bodySHA256 = object["body_sha256"]?.stringValue,
            let ids = object["record_ids"]?.arrayValue, let keyID = object["key_id"]?.stringValue
        else { return nil }
        let recordIDs = ids.compactMap(\.stringValue)
        guard recordIDs.count == ids.count else { return nil }
        self.init(
            destination: destination, deliveryID: deliveryID, time: time, bodySHA256: bodySHA256, recordIDs: recordIDs,
            keyID: keyID)
    }

    private static let members = [
        "ferry_manifest", "algorithm", "destination", "delivery_id", "time", "body_sha256",
        "record_ids", "key_id",
    ]
}
