import FerryCore
import FerryTesting
import Foundation
import Testing

/// The operators' console in headless Chromium against the real `ferry serve` (`make test` sets
/// up the browser with `scripts/browser.sh`): the checks are `Tests/Browser/console.py`'s, the
/// screenshots of every page stay in `out/screenshots/`.
@Suite(
    .serialized,
    .enabled(
        if: ProcessInfo.processInfo.environment["FERRY_TEST_BROWSER_PYTHON"] != nil,
        "needs FERRY_TEST_BROWSER_PYTHON (make test runs scripts/browser.sh)"))
struct ConsoleBrowserTests {
    let cli = CLITests()

    @Test func peopleOnDutySignInReviewAndAreKeptSafeInABrowser() async throws {
        // Personnel records to the veterans registry are reviewed too here, and reviewer-b is
        // cleared for public records only: the contracts' release is public, the personnel
        // records' is internal.
        let (config, data) = try RunningGateway.prepare(
            replacing: [
                (
                    "{ to: veterans-registry, type: personnel.record }",
                    "{ to: veterans-registry, type: personnel.record, review: required }"
                ),
                (
                    "clearance: restricted\n    tokens: [\"sha256$a73503d04c7b28294cc50b6de7bc9320",
                    "clearance: public\n    tokens: [\"sha256$a73503d04c7b28294cc50b6de7bc9320"
                ),
            ], appending: "\nconsole: { idle_timeout: 5s }\n")
        let gateway = try RunningGateway.start(config: config, data: data)
        defer { gateway.stop() }
        let contract = CLITests.examples.appendingPathComponent(
            "zakupki/contract_2366200608816001262_30400522.xml")
        #expect(try await gateway.send(contract, as: "contracts").status == 202)
        let personnel = FerryTesting.fixtures.appendingPathComponent("kadry-personnel/example/input.xml")
        #expect(try await gateway.send(personnel, as: "hr").status == 202)
        // The reviews open as the deliveries come up: the contract's and the two personnel records'.
        let opened = Date().addingTimeInterval(30)
        var open = 0
        while open < 3 && Date() < opened {
            let (_, body) = try await gateway.request("GET", "/v1/reviews", token: "ops-demo-token")
            open = (try? JSONParser.parseDocument([UInt8](body)))?.objectValue?["reviews"]?.arrayValue?.count ?? 0
            if open < 3 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(open == 3, "the reviews did not open")

        let screenshots = FerryTesting.packageRoot.appendingPathComponent("out/screenshots")
        try? FileManager.default.removeItem(at: screenshots)
        let python = try #require(ProcessInfo.processInfo.environment["FERRY_TEST_BROWSER_PYTHON"])
        let result = try cli.shell(
            "'\(python)' Tests/Browser/console.py 'http://127.0.0.1:\(gateway.port)' '\(screenshots.path)'")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        for page in ["overview", "reviews", "review", "review-approved", "phone-overview", "phone-review", "held"] {
            #expect(
                FileManager.default.fileExists(atPath: screenshots.appendingPathComponent("\(page).png").path),
                "no screenshot of \(page)")
        }
        // Approved in the browser by two reviewers, the contract reaches the public register.
        let deadline = Date().addingTimeInterval(30)
        while gateway.deliveries("procurement-register").isEmpty && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(!gateway.deliveries("procurement-register").isEmpty)
    }
}
