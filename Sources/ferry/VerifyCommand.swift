import ArgumentParser
import FerryConvert
import FerryCore
import FerryGateway
import Foundation

/// `ferry verify`: checks a delivery as its destination holds it — a dropped file against the
/// signed manifest beside it, or a body received over HTTP against the manifest in its headers —
/// and names the destination it was made for.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify a delivery's Ed25519 signature and the destination it was made for.",
        discussion: """
            A dropped file is checked against FILE.sig.json beside it: the signed manifest names the destination, \
            the delivery, its time, the body's SHA-256, the record ids and the key. A body received over HTTP is \
            checked with --headers, a file of the request's headers (`Name: value` lines, or a JSON object). \
            --destination NAME fails unless the delivery was made for NAME. A sidecar of the earlier body-only \
            form (or --signature and --key-id for such an HTTP body) still verifies, with a warning that it is \
            bound to no destination.
            --keys is the gateway's key directory, or a file holding the JSON of its /v1/keys.
            Exit status: 0 the delivery verifies; 1 it does not, or it was made for another destination; \
            66 the file, its signature, its headers or the keys cannot be read.
            """)

    @Option(help: "The directory of public keys, or a saved /v1/keys document.")
    var keys = "keys"

    @Option(help: "The destination the delivery must have been made for.")
    var destination: String?

    @Option(help: "A file with the HTTP headers an HTTP delivery came with.")
    var headers: String?

    @Option(help: "The Ferry-Signature header of an HTTP delivery of the earlier body-only form.")
    var signature: String?

    @Option(help: "The Ferry-Key-Id header of an HTTP delivery of the earlier body-only form.")
    var keyId: String?

    @Argument(help: "A delivered file or body.")
    var file: String

    func validate() throws {
        if (signature == nil) != (keyId == nil) { throw ValidationError("--signature and --key-id go together") }
        if headers != nil && signature != nil {
            throw ValidationError("give --headers or --signature and --key-id, not both")
        }
    }

    func run() throws {
        try runCommand { output, errors in
            func unreadable(_ message: String) -> ExitCode {
                errors.write("\(message)\n")
                return ExitCode(ExitStatus.noInput.rawValue)
            }
            let publicKeys = try readPublicKeys(orExit: unreadable)
            guard let body = try? Data(contentsOf: URL(fileURLWithPath: file)) else {
                throw unreadable("\(file): error: cannot read the delivered file")
            }
            let signed: DeliveryManifest.Signed
            if let signature, let keyId {
                signed = .bodyOnly(keyID: keyId, signature: signature, recordIDs: [])
            } else if let headers {
                guard let text = try? String(contentsOf: URL(fileURLWithPath: headers), encoding: .utf8) else {
                    throw unreadable("\(headers): error: cannot read the headers")
                }
                guard let found = DeliveryManifest.signed(headers: Self.headerFields(text)) else {
                    throw unreadable("\(headers): error: no Ferry delivery manifest in these headers")
                }
                signed = found
            } else {
                do {
                    signed = try DirectoryDrop.signed(URL(fileURLWithPath: file))
                } catch {
                    throw unreadable("\(file): error: cannot read its signature: \(error)")
                }
            }
            if case .failure(let failure) = signed.verify(body: [UInt8](body), publicKeys: publicKeys) {
                errors.write("\(file): error: \(failure.message)\n")
                throw ExitCode(ExitStatus.rejects.rawValue)
            }
            switch signed {
            case .manifest(let manifest, _):
                if let destination, destination != manifest.destination {
                    errors.write(
                        "\(file): error: the delivery was made for \(manifest.destination), not \(destination)\n")
                    throw ExitCode(ExitStatus.rejects.rawValue)
                }
                let count = manifest.recordIDs.count
                output.write(
                    "\(file): signature verifies (key \(manifest.keyID)): delivery \(manifest.deliveryID) for "
                        + "\(manifest.destination) at \(manifest.time), \(count) \(count == 1 ? "record" : "records")\n"
                )
            case .bodyOnly(let keyID, _, let recordIDs):
                errors.write(
                    "\(file): warning: the signature covers the body only: it is bound to no destination, "
                        + "and its record ids are not signed\n")
                if let destination {
                    errors.write(
                        "\(file): error: a body-only signature cannot show that the delivery was made for \(destination)\n"
                    )
                    throw ExitCode(ExitStatus.rejects.rawValue)
                }
                output.write(
                    "\(file): signature verifies (key \(keyID)), bound to no destination"
                        + "\(headers == nil && signature == nil ? ", \(recordIDs.count) unsigned record ids" : "")\n")
            }
        }
    }

    /// The public keys of --keys; keys that cannot be read stop the command with exit 66 (a
    /// missing key is no evidence of tampering).
    private func readPublicKeys(orExit exit: (String) -> ExitCode) throws -> [String: Data] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: keys, isDirectory: &isDirectory) else {
            throw exit("\(keys): error: cannot read public keys: no such file or directory")
        }
        let found: [String: Data]?
        if isDirectory.boolValue {
            found = try? Keyring(directory: URL(fileURLWithPath: keys)).publicKeys()
        } else {
            found = (try? Data(contentsOf: URL(fileURLWithPath: keys))).flatMap {
                Keyring.publicKeys(fromKeysDocument: [UInt8]($0))
            }
        }
        guard let found, !found.isEmpty else {
            throw exit(
                "\(keys): error: cannot read public keys (a key directory with .pub files, or a /v1/keys document)")
        }
        return found
    }

    /// Header fields from a JSON object, or from `Name: value` lines as `curl -D` writes them.
    static func headerFields(_ text: String) -> [String: String] {
        if let object = (try? JSONParser.parseDocument(Array(text.utf8)))?.objectValue {
            return Dictionary(
                object.members.compactMap { member in member.value.stringValue.map { (member.key, $0) } },
                uniquingKeysWith: { first, _ in first })
        }
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            if fields[name] == nil {
                fields[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return fields
    }
}
