import ArgumentParser
import FerryConvert
import FerryQueue
import FerryQueueSQLite
import Foundation

/// `ferry audit`: the gateway's tamper-evident trail.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the gateway's audit trail.",
        subcommands: [VerifyChain.self]
    )

    /// `ferry audit verify`: every entry chained to the one before it.
    struct VerifyChain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Verify the audit hash chain of a gateway's store and name any altered, removed or reordered entry.",
            discussion: "Exit status: 0 the chain is intact; 1 it is broken; 66 the store cannot be opened.")

        @Option(help: "The gateway's data directory (its store is ferry.sqlite in it).")
        var data = ".ferry"

        func run() async throws {
            let path = URL(fileURLWithPath: data).appendingPathComponent("ferry.sqlite").path
            try await runCommand { output, errors in
                guard FileManager.default.fileExists(atPath: path) else {
                    errors.write("\(path): error: no gateway store here\n")
                    throw ExitCode(ExitStatus.noInput.rawValue)
                }
                let entries = try await SQLiteAuditLog(path: path).entries()
                let breaks = AuditChain.verify(entries)
                for problem in breaks { errors.write("\(path): error: \(problem) [audit.\(problem.kind.rawValue)]\n") }
                output.write("\(entries.count) audit entries, \(breaks.isEmpty ? "chain intact" : "\(breaks.count) breaks")\n")
                if !breaks.isEmpty { throw ExitCode(ExitStatus.rejects.rawValue) }
            }
        }
    }
}
