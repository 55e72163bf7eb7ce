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
        let (config, data) = try RunningGateway.prepare(appending: "\nconsole: { idle_timeout: 5s }\n")
        let gateway = try RunningGateway.start(config: config, data: data)
        defer { gateway.stop() }
        let contract = CLITests.examples.appendingPathComponent(
            "zakupki/contract_2366200608816001262_30400522.xml")
        #expect(try await gateway.send(contract, as: "contracts").status == 202)

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
