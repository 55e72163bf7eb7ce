import FerryCore
import FerryTesting
import Foundation
import Testing
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A real `ferry serve` process on a free loopback port, with its own data directory and a
/// copy of the demo configuration, talked to with a real HTTP client (URLSession).
final class RunningGateway: @unchecked Sendable {
    let process: Process
    let port: Int
    let data: URL
    let config: URL
    let log: URL

    static let tokens = [
        "hr": "hr-demo-token", "logistics": "logistics-demo-token", "contracts": "contracts-demo-token",
        "operations": "ops-demo-token",
    ]

    /// Writes the demo configuration, with absolute paths and the given replacements, into a new
    /// directory with a signing key.
    static func prepare(replacing replacements: [(String, String)] = [], appending extra: String = "") throws -> (
        config: URL, data: URL
    ) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-gateway-\(UUID().uuidString)")
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        var text = String(
            decoding: FerryTesting.bytes(
                FerryTesting.packageRoot.appendingPathComponent("examples/gateway/ferry.yaml")),
            as: UTF8.self)
        text = text.replacingOccurrences(
            of: "schemas: ../../schemas", with: "schemas: \(FerryTesting.packageRoot.path)/schemas"
        )
        .replacingOccurrences(
            of: "mappings: ../../mappings", with: "mappings: \(FerryTesting.packageRoot.path)/mappings")
        for (old, new) in replacements {
            precondition(text.contains(old), "the demo configuration has no \(old)")
            text = text.replacingOccurrences(of: old, with: new)
        }
        let config = root.appendingPathComponent("ferry.yaml")
        try Data((text + extra).utf8).write(to: config)
        let keys = try CLITests().ferry(["keys", "generate", "--directory", data.appendingPathComponent("keys").path])
        precondition(keys.status == 0, keys.stderr)
        return (config, data)
    }

    /// Starts `ferry serve` and waits until it listens.
    static func start(config: URL, data: URL) throws -> RunningGateway {
        let log = data.deletingLastPathComponent().appendingPathComponent("serve-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = CLITests.binary
        process.arguments = ["serve", "--config", config.path, "--data", data.path, "--listen", "127.0.0.1:0"]
        process.environment = ProcessInfo.processInfo.environment.merging(["LOG_LEVEL": "warning"]) { _, new in new }
        let handle = try FileHandle(forWritingTo: log)
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: "://127.0.0.1:"), text.contains("listening on") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) {
                    return RunningGateway(process: process, port: port, data: data, config: config, log: log)
                }
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.terminate()
        fatalError("ferry serve did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    }

    private init(process: Process, port: Int, data: URL, config: URL, log: URL) {
        self.process = process
        self.port = port
        self.data = data
        self.config = config
        self.log = log
    }

    /// One HTTP request; the status and body.
    func request(
        _ method: String, _ path: String, token: String? = nil, contentType: String? = nil, body: Data? = nil,
        headers: [String: String] = [:]
    ) async throws -> (status: Int, body: Data) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!, timeoutInterval: 30)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    /// Sends a legacy export as a sender.
    func send(_ file: URL, as sender: String, mapping: String? = nil) async throws -> (status: Int, report: JSONObject)
    {
        let path = "/v1/documents" + (mapping.map { "?mapping=\($0)" } ?? "")
        let (status, body) = try await request(
            "POST", path, token: Self.tokens[sender], contentType: "application/xml",
            body: try Data(contentsOf: file))
        return (status, (try? JSONParser.parseDocument([UInt8](body)))?.objectValue ?? JSONObject())
    }

    /// A document's status, as an operator sees it.
    func status(of document: String) async throws -> JSONObject {
        let (_, body) = try await request("GET", "/v1/documents/\(document)", token: Self.tokens["operations"])
        return try JSONParser.parseDocument([UInt8](body)).objectValue ?? JSONObject()
    }

    /// Waits until no record of the documents has a delivery pending or leased.
    func waitUntilDelivered(_ documents: [String], timeout: Double = 60) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var settled = true
            for document in documents {
                let records = try await status(of: document)["records"]?.arrayValue ?? []
                let states = records.flatMap { $0.objectValue?["destinations"]?.arrayValue ?? [] }
                    .compactMap { $0.objectValue?["state"]?.stringValue }
                if states.contains(where: { $0 == "pending" || $0 == "leased" }) { settled = false }
            }
            if settled { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// SIGTERM, then waits for the exit status.
    ///
    /// A gateway that has not exited after `seconds` (a graceful shutdown that never finishes) is
    /// killed and reported by a failing expectation, so the run goes on instead of hanging.
    @discardableResult
    func stop(within seconds: Double = 30) -> Int32 {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            Issue.record("ferry serve did not exit within \(seconds) s of SIGTERM; killed. Its log ends:\n\(logTail())")
            Foundation.kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The last lines of the gateway's log.
    func logTail(lines: Int = 30) -> String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// SIGKILL: the process dies at once, as in a power cut of the process.
    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Delivered files of a destination's drop directory (bodies, not sidecars).
    func deliveries(_ destination: String) -> [URL] {
        let directory = data.appendingPathComponent("deliveries/\(destination)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".sig.json") }.sorted().map {
            directory.appendingPathComponent($0)
        }
    }

    /// The canonical records of NDJSON deliveries.
    func deliveredRecords(_ destination: String) throws -> [JSONObject] {
        try deliveries(destination).flatMap { file in
            try String(decoding: try Data(contentsOf: file), as: UTF8.self).split(separator: "\n").compactMap {
                try JSONParser.parseDocument(Array($0.utf8)).objectValue
            }
        }
    }
}
