import Foundation

extension FerryTesting {
    /// A Python helper of `scripts/` that listens on loopback and prints its port: a test's
    /// destination endpoint or relay, stopped by the test.
    public final class ScriptServer {
        private let process = Process()
        /// The port it listens on (0 when it printed none).
        public let port: Int

        /// Starts `scripts/<script>` with its arguments and reads the port it prints.
        public init(script: String, arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments =
                ["python3", FerryTesting.packageRoot.appendingPathComponent("scripts/\(script)").path] + arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice  // not the test runner's pipe: it must see EOF when tests end
            try process.run()
            let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }

        /// SIGKILL: the test runner's signal mask, which the child inherits, may block SIGTERM.
        public func stop() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
