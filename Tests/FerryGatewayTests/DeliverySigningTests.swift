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
        try FileManager.default.setAttributes([.posixPermissions: 0o644],
                                              ofItemAtPath: keyring.directory.appendingPathComponent("\(id).key").path)
        #expect(throws: Keyring.KeyError.self) { try keyring.sign([1, 2, 3]) }
    }

    @Test func dropsBodiesAtomicallyWithASignatureBeside() throws {
        let root = try temporaryDirectory()
        let keyring = Keyring(directory: root.appendingPathComponent("keys"))
        try keyring.rotate()
        let drop = DirectoryDrop(directory: root.appendingPathComponent("deliveries/social-fund"))
        let body = Array("<DischargeNotices/>".utf8)
        let file = try drop.deliver(body, name: "d-1.xml", signature: try keyring.sign(body), recordIDs: ["a", "b"])
        #expect(FerryTesting.bytes(file) == body)
        let (signature, ids) = try DirectoryDrop.signature(of: file)
        #expect(ids == ["a", "b"])
        #expect(try keyring.verify(FerryTesting.bytes(file), signature: signature))
        let names = try FileManager.default.contentsOfDirectory(atPath: drop.directory.path).sorted()
        #expect(names == ["d-1.xml", "d-1.xml.sig.json"], "no temporary file is left behind")
        #expect(throws: DeliveryError.self) {
            try drop.deliver(body, name: "../escape.xml", signature: try keyring.sign(body), recordIDs: [])
        }
    }
}
