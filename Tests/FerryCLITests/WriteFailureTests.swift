import FerryTesting
import Foundation
import Testing

/// Output that cannot be written is an error with exit status 74 (EX_IOERR).
///
/// As jq's "writing output failed": a full device behind standard output or the rejects file. A
/// reader that went away (`… | head`) is no error: ferry stops silently, as every filter in a pipe
/// does.
@Suite(.enabled(if: FileManager.default.isWritableFile(atPath: "/dev/full"), "needs /dev/full"))
struct WriteFailureTests {
    let cli = CLITests()

    static let example = "Tests/Fixtures/snab2-requisition/example/input.xml"
    static let faulty = "Tests/Fixtures/kadry-personnel/faulty-records/input.xml"

    @Test func recordsToAFullDeviceAreAnIOError() throws {
        let result = try cli.shell("\"$FERRY\" convert -m snab2-requisition \(Self.example) > /dev/full")
        #expect(result.status == 74)
        #expect(result.stderr == "ferry: error: writing standard output failed: No space left on device\n")
    }

    @Test func rejectsToAFullDeviceAreAnIOErrorAboveTheRejects() throws {
        let result = try cli.shell(
            "\"$FERRY\" convert -m kadry-personnel \(Self.faulty) --rejects /dev/full > /dev/null")
        #expect(result.status == 74, "74 outranks 1 (records rejected)")
        #expect(result.stderr == "ferry: error: writing /dev/full failed: No space left on device\n")
    }

    @Test func anExportedSchemaToAFullDeviceIsAnIOError() throws {
        let result = try cli.shell("\"$FERRY\" schema export logistics.requisition > /dev/full")
        #expect(result.status == 74)
        #expect(result.stderr.contains("writing standard output failed"))
    }

    @Test func aReaderThatStopsEarlyIsNoError() throws {
        // 300 copies of the export: far more than a pipe holds, so ferry writes after head has gone.
        let inputs = Array(repeating: Self.example, count: 300).joined(separator: " ")
        let result = try cli.shell(
            "\"$FERRY\" convert -m snab2-requisition \(inputs) | head -c 100 > /dev/null; echo \"${PIPESTATUS[0]}\"")
        let status = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(status == 0 || status == 141, "ends as a filter in a pipe does, not \(result.stdout)")
        #expect(result.stderr.isEmpty, "nothing said: \(result.stderr)")
    }
}
