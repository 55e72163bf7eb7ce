import FerryCore
import FerryGateway
import FerryTesting
import Foundation
import Testing

/// Signed directory drops.
struct DeliverySigningTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func signaturesVerifyAndDetectTampering() throws {
        let keyring = Keyring(directory: try temporaryDirectory().appendingPathComponent("keys"))
        let first = try keyring.rotate()
        let body = Array("{\"id\":\"abc\"}\n".utf8)
        let signature = try keyring.sign(body)
        #expect(signature.keyID == first)
        #expect(try keyring.verify(body, signature: signature))
        #expect(try !keyring.verify(body + [0x20], signature: signature))
        let second = try keyring.rotate()
        #expect(second != first)
        #expect(try keyring.sign(body).keyID == second)
        #expect(try keyring.verify(body, signature: signature), "deliveries signed with a rotated key still verify")
        let privateKey = keyring.directory.appendingPathComponent("\(second).key").path
        let mode = try FileManager.default.attributesOfItem(atPath: privateKey)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func refusesToSignWithAKeyOthersCanRead() throws {
        let keyring = Keyring(directory: try temporaryDirectory().appendingPathComponent("keys"))
        let id = try keyring.rotate()
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o644],
            ofItemAtPath: keyring.directory.appendingPathComponent("\(id).key").path)
        #expect(throws: Keyring.KeyError.self) { try keyring.sign([1, 2, 3]) }
    }

    @Test func dropsBodiesAtomicallyWithASignedManifestBeside() throws {
        let root = try temporaryDirectory()
        let keyring = Keyring(directory: root.appendingPathComponent("keys"))
        let keyID = try keyring.rotate()
        let drop = DirectoryDrop(directory: root.appendingPathComponent("deliveries/social-fund"))
        let body = Array("<DischargeNotices/>".utf8)
        let manifest = DeliveryManifest(
            destination: "social-fund", deliveryID: "d-1", time: "2026-12-03T10:00:00.000Z", body: body,
            recordIDs: ["a", "b"], keyID: keyID)
        let file = try drop.deliver(
            body, name: "d-1.xml", manifest: manifest,
            signature: try keyring.sign(manifest.signedBytes).value)
        #expect(FerryTesting.bytes(file) == body)
        let signed = try DirectoryDrop.signed(file)
        guard case .manifest(let read, _) = signed else {
            Issue.record("the sidecar is not a signed manifest")
            return
        }
        #expect(read == manifest)
        let keys = try keyring.publicKeys()
        #expect(throws: Never.self) { try signed.verify(body: body, publicKeys: keys).get() }
        let names = try FileManager.default.contentsOfDirectory(atPath: drop.directory.path).sorted()
        #expect(names == ["d-1.xml", "d-1.xml.sig.json"], "no temporary file is left behind")
        #expect(throws: DeliveryError.self) {
            try drop.deliver(body, name: "../escape.xml", manifest: manifest, signature: "")
        }
    }

    /// The signature covers the whole manifest: a changed body, destination, record list or
    /// time no longer verifies, and a member added beside the manifest is not read as one.
    @Test func everyMemberOfTheManifestIsSigned() throws {
        let keyring = Keyring(directory: try temporaryDirectory().appendingPathComponent("keys"))
        let keyID = try keyring.rotate()
        let body = Array("{\"id\":\"abc\"}\n".utf8)
        let manifest = DeliveryManifest(
            destination: "veterans-registry", deliveryID: "d-2", time: "2026-12-03T10:00:00.000Z",
            body: body, recordIDs: ["abc"], keyID: keyID)
        let signature = try keyring.sign(manifest.signedBytes).value
        let keys = try keyring.publicKeys()
        func code(_ changed: DeliveryManifest, body: [UInt8] = body) -> String? {
            if case .failure(let failure) = DeliveryManifest.Signed.manifest(changed, signature: signature).verify(
                body: body,
                publicKeys: keys)
            {
                return failure.code
            }
            return nil
        }
        #expect(code(manifest) == nil)
        #expect(code(manifest, body: body + [0x20]) == "delivery.body")
        var other = manifest
        other.destination = "emergency-service"
        #expect(code(other) == "delivery.signature")
        other = manifest
        other.recordIDs += ["forged"]
        #expect(code(other) == "delivery.signature")
        other = manifest
        other.time = "2026-12-04T10:00:00.000Z"
        #expect(code(other) == "delivery.signature")
        other = manifest
        other.keyID = "0000000000000000"
        #expect(code(other) == "delivery.unknown-key")

        var sidecar = try #require(try JSONParser.parseDocument(manifest.sidecar(signature: signature)).objectValue)
        #expect(DeliveryManifest.signed(sidecar: .object(sidecar)) == .manifest(manifest, signature: signature))
        sidecar["count"] = .integer(2)
        #expect(DeliveryManifest.signed(sidecar: .object(sidecar)) == nil, "nothing unsigned sits beside the manifest")

        let headers = Dictionary(
            manifest.headers(signature: signature).map { ($0.name.lowercased(), $0.value) },
            uniquingKeysWith: { first, _ in first })
        #expect(DeliveryManifest.signed(headers: headers) == .manifest(manifest, signature: signature))
    }
}
