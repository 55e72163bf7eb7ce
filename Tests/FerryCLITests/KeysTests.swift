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
        #expect(try cli.ferry(["keys", "generate"], in: directory).status == 64, "a second generate would hide the current key")
        let first = generated.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let keyring = Keyring(directory: directory.appendingPathComponent("keys"))
        let body = Array("{\"a\":1}\n".utf8)
        let drop = DirectoryDrop(directory: directory.appendingPathComponent("out"))
        let file = try drop.deliver(body, name: "d.ndjson", signature: try keyring.sign(body), recordIDs: ["x"])
        let rotated = try cli.ferry(["keys", "rotate"], in: directory)
        #expect(rotated.status == 0 && rotated.stdout.trimmingCharacters(in: .whitespacesAndNewlines) != first)
        let verified = try cli.ferry(["verify", file.path], in: directory)
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("signature verifies (key \(first), 1 records)"))
        try Data("{\"a\":2}\n".utf8).write(to: file)
        let tampered = try cli.ferry(["verify", file.path], in: directory)
        #expect(tampered.status == 1)
        #expect(tampered.stderr.contains("does not verify"))
        #expect(try cli.ferry(["verify", directory.appendingPathComponent("missing").path], in: directory).status == 66)
    }

    @Test func hashesTokensForTheConfiguration() throws {
        let result = try cli.ferry(["token", "hash"], stdin: Data("hr-demo-token\n".utf8))
        #expect(result.status == 0)
        let hash = try #require(TokenHash(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(hash.matches("hr-demo-token"))
        #expect(!result.stdout.contains("hr-demo-token"))
    }
}
