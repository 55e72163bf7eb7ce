import ArgumentParser
import FerryConvert
import FerryCore
import FerryGateway
import FerryStore
import Foundation

/// `ferry audit`: the gateway's tamper-evident trail.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check, read and prune the gateway's audit trail.",
        subcommands: [VerifyChain.self, Show.self, Prune.self]
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

        /// Runs `body` on the store, open and prepared for the scope, or reports that there is none
        /// (exit 66) or that it cannot be reached (exit 69).
        func withStore<Result: Sendable>(
            errors: BufferedOutput, _ body: (_ store: any GatewayStore, _ path: String) async throws -> Result
        ) async throws -> Result {
            let directory = URL(fileURLWithPath: data)
            let location = (try? StoreLocation(store ?? "sqlite")) ?? .sqlite  // checked by validate()
            let label = StoreOpening.label(location, dataDirectory: directory)
            if location == .sqlite, !FileManager.default.fileExists(atPath: label) {
                errors.write("\(label): error: no gateway store here\n")
                throw ExitCode(ExitStatus.noInput.rawValue)
            }
            do {
                let store = try StoreOpening.open(location, dataDirectory: directory)
                return try await store.withUpkeep { try await body(store, label) }
            } catch let error as StoreError {
                errors.write("\(label): error: \(error)\n")
                throw ExitCode(ExitStatus.unavailable.rawValue)
            }
        }
    }

    /// `ferry audit verify`: every entry chained to the one before it, every signed checkpoint
    /// held by the chain, and no tail cut off.
    struct VerifyChain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Verify the audit trail of a gateway's store and name any altered, removed or reordered entry.",
            discussion: """
                Checks the hash chain; every signed checkpoint the store lists, every file in DATA/audit-checkpoints                 and every file in --checkpoints DIR (copies kept off the host) against the chain and the signing                 key; that the store's checkpoints and the files agree; and that the chain is as long as the newest                 checkpoint (or --expect-sequence) proves. A chain recomputed in the database no longer holds the                 signed hashes, and a tail cut with its newest checkpoint is exposed by the copies off the host.
                Checkpoints are trusted only from a pinned key: audit.key_fingerprint of --config FILE, or                 --key-fingerprint; without one, the public keys in the key directory are used, with a warning.
                Exit status: 0 the trail is intact; 1 it is not; 66 there is no store or the configuration cannot be                 read; 69 PostgreSQL cannot be reached; 78 the configuration has errors.
                """)

        @OptionGroup var options: StoreOptions

        @Option(help: "The gateway's key directory (default: DATA/keys).")
        var keys: String?

        @Option(
            help: "A directory of checkpoint files copied off the host (repeat for several, e.g. one per instance).")
        var checkpoints: [String] = []

        @Option(help: "The audit sequence the chain must reach at least (as noted from an earlier verification).")
        var expectSequence: Int?

        @Option(help: "The gateway configuration whose audit.key_fingerprint pins the signing key.")
        var config: String?

        @Option(help: "The fingerprint (sha256:…) of a key trusted to sign checkpoints; repeat for several.")
        var keyFingerprint: [String] = []

        func validate() throws {
            for fingerprint in keyFingerprint where !GatewayConfigurationLoader.isFingerprint(fingerprint) {
                throw ValidationError(
                    "--key-fingerprint \(fingerprint): a fingerprint is sha256:<64 lowercase hex digits>")
            }
        }

        func run() async throws {
            try await runCommand { output, errors in
                var pinned = Set(keyFingerprint)
                if let config {
                    let configuration = try Self.loadConfiguration(config, errors: errors)
                    pinned.formUnion(configuration.auditKeyFingerprints)
                }
                let (path, entries, storedCheckpoints) = try await options.withStore(errors: errors) { store, path in
                    (path, try await store.entries(), try await store.checkpoints())
                }
                let directory = URL(fileURLWithPath: options.data)
                let keyring = Keyring(
                    directory: keys.map { URL(fileURLWithPath: $0) } ?? directory.appendingPathComponent("keys"))
                var offHost: [URL] = []
                for directory in checkpoints {
                    let files = AuditVerifier.checkpointFiles(inDirectory: URL(fileURLWithPath: directory))
                    guard !files.isEmpty else {
                        errors.write("\(directory): error: no checkpoint files here\n")
                        throw ExitCode(ExitStatus.noInput.rawValue)
                    }
                    offHost += files
                }
                let evidence = AuditVerifier.Evidence(
                    entries: entries, storedCheckpoints: storedCheckpoints,
                    checkpointFiles: AuditVerifier.checkpointFiles(in: directory), offHostCheckpointFiles: offHost,
                    expectedSequence: expectSequence)
                let report = AuditVerifier.verify(
                    evidence,
                    trust: AuditVerifier.Trust(
                        publicKeys: (try? keyring.publicKeys()) ?? [:], pinnedFingerprints: pinned))
                for warning in report.warnings { errors.write("\(path): warning: \(warning)\n") }
                for problem in report.problems { errors.write("\(path): error: \(problem) [\(problem.code)]\n") }
                output.write(
                    "\(counted(entries.count, "audit entry", plural: "audit entries"))"
                        + "\(entries.last.map { " through \($0.sequence)" } ?? ""), "
                        + "\(counted(report.verifiedCheckpoints, "signed checkpoint")), "
                        + "\(report.problems.isEmpty ? "chain intact" : counted(report.problems.count, "problem"))\n"
                )
                if !report.problems.isEmpty { throw ExitCode(ExitStatus.rejects.rawValue) }
            }
        }

        /// The gateway configuration, or the command's exit when it cannot be used.
        private static func loadConfiguration(_ path: String, errors: BufferedOutput) throws -> GatewayConfiguration {
            var reader = ProjectLoader()
            guard let document = reader.document(at: path) else {
                errors.write(reader.renderedDiagnostics())
                throw ExitCode(ExitStatus.noInput.rawValue)
            }
            let loaded = GatewayConfigurationCheck.load(path: path, document: document)
            guard let configuration = loaded.configuration else {
                for diagnostic in loaded.diagnostics where diagnostic.severity == .error {
                    errors.write("\(diagnostic)\n")
                }
                throw ExitCode(ExitStatus.configuration.rawValue)
            }
            return configuration
        }
    }

    /// `ferry audit prune`: old entries go, up to a signed checkpoint.
    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Delete the audit entries before a signed checkpoint; the chain and its verification go on from it.",
            discussion: """
                Deleting cannot be undone: name the checkpoint with --through, or confirm pruning through \
                the latest with --yes. Exit status: 0 pruned; 1 no checkpoint at that sequence; 64 neither \
                --through nor --yes; 66 there is no store; 69 PostgreSQL cannot be reached.
                """
        )

        @OptionGroup var options: StoreOptions

        @Option(help: "The checkpoint's sequence.")
        var through: Int?

        @Flag(help: "Prune through the latest checkpoint, without naming it.")
        var yes = false

        func validate() throws {
            if through == nil && !yes {
                throw ValidationError(
                    "pruning deletes audit entries: name the checkpoint with --through N, or prune through the "
                        + "latest with --yes")
            }
        }

        func run() async throws {
            try await runCommand { output, errors in
                try await options.withStore(errors: errors) { store, path in
                    let latest = try await store.lastCheckpoint()?.sequence
                    guard let sequence = through ?? latest else {
                        errors.write("\(path): error: no audit checkpoint yet; nothing can be pruned\n")
                        throw ExitCode(ExitStatus.rejects.rawValue)
                    }
                    do {
                        let count = try await store.pruneAudit(through: sequence)
                        output.write(
                            "\(counted(count, "audit entry", plural: "audit entries")) pruned through checkpoint \(sequence)\n"
                        )
                    } catch let error as QueueError {
                        errors.write("\(path): error: \(error.message)\n")
                        throw ExitCode(ExitStatus.rejects.rawValue)
                    }
                }
            }
        }
    }

    /// `ferry audit show`: a page of the trail from a running gateway's API (operators).
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show audit entries of a running gateway: sequence, time, kind, details (operators).",
            discussion: "The operator token is read from FERRY_TOKEN or --token-file.")
        @OptionGroup var options: GatewayClientOptions
        @Option(help: "The first sequence to show.")
        var from = 1
        @Option(help: "Only entries of this kind (received, released, blocked, held, review-approval, …).")
        var kind: String?
        @Option(help: "From the first entry stamped at or after this UTC date or date and time (2026-12-07T08:00).")
        var since: String?
        @Option(help: "At most this many entries (up to 1000).")
        var limit = 100
        @Option(help: "Output format: text (a table) or json (the gateway's answer).")
        var format: GatewayClientOptions.Format = .text

        func run() async throws {
            var query = "?from=\(from)&limit=\(limit)"
            if let kind {
                query += "&kind=" + GatewayClientOptions.escape(kind)
            }
            if let since {
                query += "&since=" + GatewayClientOptions.escape(since)
            }
            try await options.list(
                "/v1/audit" + query, member: "entries", format: format, noun: "entry", plural: "entries", as: .audit
            ) {
                entry in
                [
                    "\(entry["sequence"]?.integerValue ?? 0)", entry["time"]?.stringValue ?? "",
                    entry["kind"]?.stringValue ?? "",
                    String(decoding: JSONWriter().bytes(entry["details"] ?? .null), as: UTF8.self),
                ]
            }
        }
    }
}
