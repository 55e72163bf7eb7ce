import ArgumentParser
import FerryConvert
import FerryGateway
import FerryStore
import FerryStoreSQLite
import Foundation

/// `ferry audit`: the gateway's tamper-evident trail.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check and prune the gateway's audit trail.",
        subcommands: [VerifyChain.self, Prune.self]
    )

    /// The gateway store the audit commands work on.
    struct StoreOptions: ParsableArguments {
        @Option(help: "The gateway's data directory (its store is ferry.sqlite in it).")
        var data = ".ferry"

        /// Opens the store, or reports that there is none (exit 66).
        func openStore(errors: BufferedOutput) throws -> (store: SQLiteGatewayStore, path: String) {
            let path = URL(fileURLWithPath: data).appendingPathComponent("ferry.sqlite").path
            guard FileManager.default.fileExists(atPath: path) else {
                errors.write("\(path): error: no gateway store here\n")
                throw ExitCode(ExitStatus.noInput.rawValue)
            }
            return (try SQLiteGatewayStore(path: path), path)
        }
    }

    /// `ferry audit verify`: every entry chained to the one before it.
    struct VerifyChain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Verify the audit hash chain of a gateway's store and name any altered, removed or reordered entry.",
            discussion: """
                Also checks every signed checkpoint in DATA/audit-checkpoints against the chain and the gateway's \
                public keys: a chain rewritten and recomputed in the database no longer holds the signed hashes.
                Exit status: 0 the chain is intact; 1 it is broken; 66 the store cannot be opened.
                """)

        @OptionGroup var options: StoreOptions

        @Option(help: "The gateway's key directory (default: DATA/keys).")
        var keys: String?

        func run() async throws {
            try await runCommand { output, errors in
                let (store, path) = try options.openStore(errors: errors)
                let entries = try await store.entries()
                let directory = URL(fileURLWithPath: options.data)
                let checkpoints = AuditVerifier.checkpointFiles(in: directory)
                let keyring = Keyring(directory: keys.map { URL(fileURLWithPath: $0) } ?? directory.appendingPathComponent("keys"))
                let problems = AuditVerifier.verify(entries, checkpointFiles: checkpoints, keyring: keyring)
                for problem in problems { errors.write("\(path): error: \(problem) [\(problem.code)]\n") }
                output.write("\(entries.count) audit entries, \(checkpoints.count) signed checkpoints, "
                             + "\(problems.isEmpty ? "chain intact" : "\(problems.count) problems")\n")
                if !problems.isEmpty { throw ExitCode(ExitStatus.rejects.rawValue) }
            }
        }
    }

    /// `ferry audit prune`: old entries go, up to a signed checkpoint.
    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete the audit entries before a signed checkpoint; the chain and its verification go on from it.",
            discussion: "Exit status: 0 pruned; 1 no checkpoint at that sequence; 66 the store cannot be opened.")

        @OptionGroup var options: StoreOptions

        @Option(help: "The checkpoint's sequence (default: the latest checkpoint).")
        var through: Int?

        func run() async throws {
            try await runCommand { output, errors in
                let (store, path) = try options.openStore(errors: errors)
                let latest = try await store.lastCheckpoint()?.sequence
                guard let sequence = through ?? latest else {
                    errors.write("\(path): error: no audit checkpoint yet; nothing can be pruned\n")
                    throw ExitCode(ExitStatus.rejects.rawValue)
                }
                do {
                    let count = try await store.pruneAudit(through: sequence)
                    output.write("\(count) audit entries pruned through checkpoint \(sequence)\n")
                } catch let error as QueueError {
                    errors.write("\(path): error: \(error.message)\n")
                    throw ExitCode(ExitStatus.rejects.rawValue)
                }
            }
        }
    }
}
