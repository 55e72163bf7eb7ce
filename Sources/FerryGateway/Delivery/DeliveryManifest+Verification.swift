public import Foundation

extension DeliveryManifest.Signed {
    /// Why a delivery does not verify.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// `delivery.signature` (the signature does not verify), `delivery.unknown-key` (signed
        /// by a key not among those given) or `delivery.body` (the body is not the one signed).
        public let code: String
        public let message: String
        public var description: String { message }
    }

    /// The key that signed.
    public var keyID: String {
        switch self {
        case .manifest(let manifest, _): manifest.keyID
        case .bodyOnly(let keyID, _, _): keyID
        }
    }

    /// Checks a delivery: the signature with the public keys given by id, and, for a manifest,
    /// that the body is the one it names.
    public func verify(body: [UInt8], publicKeys: [String: Data]) -> Result<Void, Failure> {
        guard publicKeys[keyID] != nil else {
            return .failure(
                Failure(
                    code: "delivery.unknown-key", message: "signed by key \(keyID), which is not among the keys given"))
        }
        let signed: [UInt8]
        let signature: String
        switch self {
        case .manifest(let manifest, let value):
            (signed, signature) = (manifest.signedBytes, value)
        case .bodyOnly(_, let value, _):
            (signed, signature) = (body, value)
        }
        guard
            (try? Keyring.verify(
                signed, signature: Keyring.Signature(keyID: keyID, value: signature), publicKeys: publicKeys))
                == true
        else {
            return .failure(
                Failure(code: "delivery.signature", message: "the signature does not verify (key \(keyID))"))
        }
        if case .manifest(let manifest, _) = self, !manifest.matches(body: body) {
            return .failure(
                Failure(
                    code: "delivery.body",
                    message: "the body is not the one signed: its SHA-256 differs from the manifest's"))
        }
        return .success(())
    }
}
