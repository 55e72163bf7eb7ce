import ArgumentParser
import FerryConvert
import FerryGateway
import FerryStore
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
        @Option(help: "The gateway's data directory (its SQLite store, checkpoint files and keys).")
        var data = ".ferry"

        @Option(help: "The gateway's store when it is not the SQLite file in the data directory: a postgres:// URL.")
        var store: String?

        /// A --store that names no store is a usage error (exit 64), reported before any work.
        func validate() throws {
            do {
                _ = try StoreLocation(store ?? "sqlite")
            } catch {
                throw ValidationError("--store: \(error.message)")
            }
        }

        /// Opens the store, or reports that there is none (exit 66) or that it cannot be reached (exit 69).
        func openStore(errors: BufferedOutput) async throws -> (store: any GatewayStore, path: String) {
            let directory = URL(fileURLWithPath: data)
            let location = (try? StoreLocation(store ?? "sqlite")) ?? .sqlite  // checked by validate()
            let label = StoreOpening.label(location, dataDirectory: directory)
            if location == .sqlite, !FileManager.default.fileExists(atPath: label) {
                errors.write("\(label): error: no gateway store here\n")
                throw ExitCode(ExitStatus.noInput.rawValue)
            }
            do {
                return (try await StoreOpening.open(location, dataDirectory: directory), label)
            } catch let error as StoreError {
                errors.write("\(label): error: \(error)\n")
                throw ExitCode(ExitStatus.unavailable.rawValue)
            }
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
                Exit status: 0 the chain is intact; 1 it is broken; 66 there is no store; 69 PostgreSQL cannot be reached.
                """)

        @OptionGroup var options: StoreOptions

        @Option(help: "The gateway's key directory (default: DATA/keys).")
        var keys: String?

        func run() async throws {
            try await runCommand { output, errors in
                let (store, path) = try await options.openStore(errors: errors)
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
            discussion: "Exit status: 0 pruned; 1 no checkpoint at that sequence; 66 there is no store; 69 PostgreSQL cannot be reached.")

        @OptionGroup var options: StoreOptions

        @Option(help: "The checkpoint's sequence (default: the latest checkpoint).")
        var through: Int?

        func run() async throws {
            try await runCommand { output, errors in
                let (store, path) = try await options.openStore(errors: errors)
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
