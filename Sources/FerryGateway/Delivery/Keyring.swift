import Crypto
import FerryCore
public import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// The gateway's Ed25519 signing keys, in a directory: `<key id>.key` holds a private key
/// (base64, readable by its owner only), `<key id>.pub` its public key, and `current` names
/// the key that signs.
///
/// Rotating adds a key and makes it current; old public keys stay, so deliveries signed before
/// still verify.
///
/// A key id is the first 16 hex digits of the SHA-256 of the raw public key.
public struct Keyring: Sendable {
    /// The directory of key files.
    public let directory: URL

    /// A keyring over a directory.
    public init(directory: URL) { self.directory = directory }

    /// A detached signature of a body.
    public struct Signature: Sendable, Hashable {
        public let keyID: String
        /// The Ed25519 signature, base64.
        public let value: String

        /// A signature as a delivery carried it.
        public init(keyID: String, value: String) {
            self.keyID = keyID
            self.value = value
        }
    }

    /// Why a key operation failed.
    public struct KeyError: Error, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Creates a new key and makes it current.
    /// - Returns: the new key's id.
    @discardableResult
    public func rotate() throws -> String {
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        let key = Curve25519.Signing.PrivateKey()
        let id = Self.keyID(key.publicKey.rawRepresentation)
        let privateFile = directory.appendingPathComponent("\(id).key")
        try Self.createPrivately(privateFile, contents: Array(key.rawRepresentation.base64EncodedString().utf8))
        try Data(key.publicKey.rawRepresentation.base64EncodedString().utf8)
            .write(to: directory.appendingPathComponent("\(id).pub"))
        try Data(id.utf8).write(to: directory.appendingPathComponent("current"), options: .atomic)
        return id
    }

    /// Creates a file readable by its owner only from the moment it exists (never created
    /// wider and narrowed after).
    private static func createPrivately(_ file: URL, contents: [UInt8]) throws {
        let fd = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw KeyError(message: "cannot create \(file.path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let written = contents.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == contents.count, fsync(fd) == 0 else {
            throw KeyError(message: "cannot write \(file.path): \(String(cString: strerror(errno)))")
        }
    }

    /// The id of the current signing key.
    public func currentKeyID() throws -> String {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("current")) else {
            throw KeyError(message: "no current key in \(directory.path): run ferry keys generate")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Signs bytes with a key of the ring (by default the current one).
    public func sign(_ body: [UInt8], keyID: String? = nil) throws -> Signature {
        let id = try keyID ?? currentKeyID()
        let file = directory.appendingPathComponent("\(id).key")
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        if let permissions = attributes[.posixPermissions] as? Int, permissions & 0o077 != 0 {
            throw KeyError(
                message: "\(file.path) is readable by others (mode \(String(permissions, radix: 8))); chmod 600 it")
        }
        guard let raw = Data(base64Encoded: try Data(contentsOf: file)) else {
            throw KeyError(message: "\(file.path) is not a base64 Ed25519 private key")
        }
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        return Signature(keyID: id, value: try key.signature(for: body).base64EncodedString())
    }

    /// The public keys, by id.
    public func publicKeys() throws -> [String: Data] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var keys: [String: Data] = [:]
        for name in names where name.hasSuffix(".pub") {
            if let raw = Data(base64Encoded: try Data(contentsOf: directory.appendingPathComponent(name))) {
                keys[String(name.dropLast(4))] = raw
            }
        }
        return keys
    }

    /// Whether a signature over a body was made by one of this keyring's keys.
    public func verify(_ body: [UInt8], signature: Signature) throws -> Bool {
        try Self.verify(body, signature: signature, publicKeys: try publicKeys())
    }

    /// Whether a signature over a body was made by one of the public keys given by id (for
    /// example the gateway's `/v1/keys`, as a partner saved it).
    public static func verify(_ body: [UInt8], signature: Signature, publicKeys: [String: Data]) throws -> Bool {
        guard let raw = publicKeys[signature.keyID] else {
            throw KeyError(message: "unknown key id \(signature.keyID)")
        }
        guard let bytes = Data(base64Encoded: signature.value) else { return false }
        return try Curve25519.Signing.PublicKey(rawRepresentation: raw).isValidSignature(bytes, for: body)
    }

    /// The public keys of a `/v1/keys` document, by id.
    public static func publicKeys(fromKeysDocument bytes: [UInt8]) -> [String: Data]? {
        guard let keys = (try? JSONParser.parseDocument(bytes))?.objectValue?["keys"]?.arrayValue else { return nil }
        var result: [String: Data] = [:]
        for key in keys.compactMap(\.objectValue) {
            if let id = key["key_id"]?.stringValue,
                let raw = key["public_key"]?.stringValue.flatMap({ Data(base64Encoded: $0) })
            {
                result[id] = raw
            }
        }
        return result
    }

    static func keyID(_ publicKey: Data) -> String {
        String(fingerprint(publicKey).dropFirst("sha256:".count).prefix(16))
    }

    /// A public key's fingerprint, `sha256:<64 hex digits>` of its raw bytes: what an auditor
    /// pins (`audit.key_fingerprint`) so that a key file lying beside the data is not trusted
    /// by itself.
    ///
    /// A key id is its first 16 digits.
    public static func fingerprint(_ publicKey: Data) -> String { "sha256:" + SHA256.hash(data: publicKey).hexadecimal }
}
