import FerryGateway
import FerryTesting
import Foundation
import Testing

/// `ferry keys`, `ferry token hash` and `ferry verify` as an operator uses them.
struct KeysTests {
    let cli = CLITests()

    @Test func generatesRotatesAndVerifies() throws {
        let directory = try cli.temporaryDirectory()
        let generated = try cli.ferry(["keys", "generate"], in: directory)
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(
            try cli.ferry(["keys", "generate"], in: directory).status == 64,
            "a second generate would hide the current key")
        let first = generated.stdout.split(separator: "\n").first.map(String.init) ?? ""
        let keyring = Keyring(directory: directory.appendingPathComponent("keys"))
        let body = Array("{\"a\":1}\n".utf8)
        let drop = DirectoryDrop(directory: directory.appendingPathComponent("out"))
        let manifest = DeliveryManifest(
            destination: "veterans-registry", deliveryID: "d", time: "2026-12-03T10:00:00.000Z",
            body: body, recordIDs: ["x"], keyID: first)
        let file = try drop.deliver(
            body, name: "d.ndjson", manifest: manifest, signature: try keyring.sign(manifest.signedBytes).value)
        let rotated = try cli.ferry(["keys", "rotate"], in: directory)
        #expect(rotated.status == 0 && !rotated.stdout.hasPrefix(first))
        let verified = try cli.ferry(["verify", file.path], in: directory)
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(
            verified.stdout.contains(
                "signature verifies (key \(first)): delivery d for veterans-registry at "
                    + "2026-12-03T10:00:00.000Z, 1 record"), "\(verified.stdout)")
        #expect(try cli.ferry(["verify", "--destination", "veterans-registry", file.path], in: directory).status == 0)

        // The drop copied into another destination's directory says whose it is.
        let elsewhere = try cli.ferry(["verify", "--destination", "emergency-service", file.path], in: directory)
        #expect(elsewhere.status == 1)
        #expect(elsewhere.stderr.contains("made for veterans-registry, not emergency-service"), "\(elsewhere.stderr)")

        // A record list edited in the sidecar no longer verifies.
        let sidecar = DirectoryDrop.sidecar(of: file)
        let original = try Data(contentsOf: sidecar)
        try Data(
            String(decoding: original, as: UTF8.self).replacingOccurrences(of: "[\"x\"]", with: "[\"x\",\"y\"]").utf8
        )
        .write(to: sidecar)
        let edited = try cli.ferry(["verify", file.path], in: directory)
        #expect(edited.status == 1 && edited.stderr.contains("does not verify"), "\(edited.stderr)")
        try original.write(to: sidecar)

        try Data("{\"a\":2}\n".utf8).write(to: file)
        let tampered = try cli.ferry(["verify", file.path], in: directory)
        #expect(tampered.status == 1)
        #expect(tampered.stderr.contains("the body is not the one signed"), "\(tampered.stderr)")
        #expect(
            try cli.ferry(["verify", directory.appendingPathComponent("missing").path], in: directory).status == 66)
    }

    /// Keys that cannot be read are no evidence of tampering: exit 66 with the path, never
    /// "does not verify".
    @Test func verifyWithoutReadableKeysSaysSo() throws {
        let directory = try cli.temporaryDirectory()
        #expect(try cli.ferry(["keys", "generate"], in: directory).status == 0)
        let keyring = Keyring(directory: directory.appendingPathComponent("keys"))
        let body = Array("{}\n".utf8)
        let manifest = DeliveryManifest(
            destination: "d", deliveryID: "1", time: "2026-12-03T10:00:00.000Z", body: body,
            recordIDs: [], keyID: try keyring.currentKeyID())
        let file = try DirectoryDrop(directory: directory.appendingPathComponent("out"))
            .deliver(
                body, name: "1.ndjson", manifest: manifest, signature: try keyring.sign(manifest.signedBytes).value)
        for keys in ["no-such-keys", "out"] {  // missing, and a directory without public keys
            let result = try cli.ferry(["verify", "--keys", keys, file.path], in: directory)
            #expect(result.status == 66, "\(keys): \(result.stderr)")
            #expect(
                result.stderr.contains("\(keys): error: cannot read public keys")
                    && !result.stderr.contains("does not verify"))
        }
    }

    /// A sidecar of the body-only form of earlier releases still verifies, with a warning that it
    /// is bound to no destination.
    @Test func anEarlierBodyOnlySidecarVerifiesWithAWarning() throws {
        let directory = try cli.temporaryDirectory()
        #expect(try cli.ferry(["keys", "generate"], in: directory).status == 0)
        let keyring = Keyring(directory: directory.appendingPathComponent("keys"))
        let body = Array("{\"a\":1}\n".utf8)
        let signature = try keyring.sign(body)
        let out = directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let file = out.appendingPathComponent("old.ndjson")
        try Data(body).write(to: file)
        try Data(
            #"{"algorithm":"Ed25519","file":"old.ndjson","key_id":"\#(signature.keyID)","record_ids":["x"],"signature":"\#(signature.value)"}"#
                .utf8
        ).write(to: DirectoryDrop.sidecar(of: file))
        let verified = try cli.ferry(["verify", file.path], in: directory)
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stderr.contains("warning: the signature covers the body only"))
        #expect(verified.stdout.contains("bound to no destination"))
        #expect(try cli.ferry(["verify", "--destination", "x", file.path], in: directory).status == 1)
    }

    @Test func hashesTokensForTheConfiguration() throws {
        let result = try cli.ferry(["token", "hash"], stdin: Data("hr-demo-token\n".utf8))
        #expect(result.status == 0)
        let hash = try #require(TokenHash(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(hash.matches("hr-demo-token"))
        #expect(!result.stdout.contains("hr-demo-token"))
    }
}
