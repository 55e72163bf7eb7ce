public import Foundation

/// Delivers a body by dropping it in a destination's directory: written under a temporary
/// name, flushed to disk, then renamed, so a reader never sees a partial file. A sidecar
/// `<name>.sig.json` beside it carries the signature, its key id and the ids of the records
/// in the body; it is renamed into place before the body, so every visible body has one.
public struct DirectoryDrop: Sendable {
    /// The destination's directory.
    public let directory: URL

    /// A drop into a directory (created when missing).
    public init(directory: URL) { self.directory = directory }

    /// Writes a delivery.
    /// - Parameters:
    ///   - name: the file name, unique per delivery (e.g. the delivery id plus an extension).
    /// - Returns: the delivered file.
    @discardableResult
    public func deliver(_ body: [UInt8], name: String, signature: Keyring.Signature, recordIDs: [String]) throws -> URL {
        guard !name.contains("/"), !name.hasPrefix(".") else { throw DeliveryError(message: "bad delivery name \(name)") }
        let sidecar: [String: Any] = ["key_id": signature.keyID, "signature": signature.value, "algorithm": "Ed25519",
                                      "file": name, "record_ids": recordIDs]
        let sidecarBytes = [UInt8](try JSONSerialization.data(withJSONObject: sidecar, options: [.sortedKeys]))
        try DurableFile.write(sidecarBytes, to: directory.appendingPathComponent("\(name).sig.json"))
        let target = directory.appendingPathComponent(name)
        try DurableFile.write(body, to: target)
        return target
    }

    /// Reads a delivered file's sidecar.
    public static func signature(of file: URL) throws -> (signature: Keyring.Signature, recordIDs: [String]) {
        let sidecar = file.appendingPathExtension("sig.json")
        guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: sidecar)) as? [String: Any],
            let keyID = object["key_id"] as? String, let value = object["signature"] as? String
        else { throw DeliveryError(message: "\(sidecar.path) is not a Ferry signature file") }
        return (Keyring.Signature(keyID: keyID, value: value), object["record_ids"] as? [String] ?? [])
    }
}
