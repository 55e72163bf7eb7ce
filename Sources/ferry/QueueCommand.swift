import ArgumentParser
import FerryConvert
import FerryCore
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `ferry queue`: the operators' view of dead letters, through a running gateway's operator API.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract:
            "List, retry or purge dead-lettered deliveries, and list or re-decide held ones, of a running gateway (operators).",
        discussion: """
            The operator token is read from the environment variable FERRY_TOKEN or from --token-file.
            Exit status: 0 done; 1 the gateway refused (unknown job, not an operator); 69 the gateway cannot be reached.
            """,
        subcommands: [List.self, Retry.self, Purge.self, Held.self, Redecide.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List dead letters: job, destination, key, attempts, last error.")
        @OptionGroup var options: GatewayClientOptions
        @Option(help: "Output format: text (a table) or json (the gateway's answer).")
        var format: GatewayClientOptions.Format = .text

        func run() async throws {
            try await options.list("/v1/dead-letters", member: "dead_letters", format: format, noun: "dead letter") {
                item in
                ["id", "destination", "key"].map { item[$0]?.stringValue ?? "" }
                    + ["\(item["attempts"]?.integerValue ?? 0)", item["last_error"]?.stringValue ?? ""]
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a dead letter pending again, with its attempts reset.")
        @OptionGroup var options: GatewayClientOptions
        @Argument(help: "The job id (from ferry queue list).")
        var job: String

        func run() async throws {
            try await runCommand { _, errors in
                _ = try await options.send(
                    "POST", "/v1/dead-letters/\(GatewayClientOptions.escape(job))/retry", errors: errors)
                errors.write("\(job): pending again\n")
            }
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a dead letter; later records of its key are delivered.")
        @OptionGroup var options: GatewayClientOptions
        @Argument(help: "The job id (from ferry queue list).")
        var job: String

        func run() async throws {
            try await runCommand { _, errors in
                _ = try await options.send(
                    "DELETE", "/v1/dead-letters/\(GatewayClientOptions.escape(job))", errors: errors)
                errors.write("\(job): purged\n")
            }
        }
    }

    struct Held: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List held deliveries: job, destination, key, since, records waiting behind it, reason.")
        @OptionGroup var options: GatewayClientOptions
        @Option(help: "Output format: text (a table) or json (the gateway's answer).")
        var format: GatewayClientOptions.Format = .text

        func run() async throws {
            try await options.list(
                "/v1/held", member: "held", format: format, noun: "held delivery", plural: "held deliveries"
            ) { item in
                ["id", "destination", "key", "held_since"].map { item[$0]?.stringValue ?? "" }
                    + ["\(item["waiting"]?.integerValue ?? 0) waiting", item["reason"]?.stringValue ?? ""]
            }
        }
    }

    struct Redecide: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Have a held delivery decided again (after the configuration is fixed).")
        @OptionGroup var options: GatewayClientOptions
        @Argument(help: "The job id (from ferry queue held).")
        var job: String

        func run() async throws {
            try await runCommand { _, errors in
                _ = try await options.send(
                    "POST", "/v1/held/\(GatewayClientOptions.escape(job))/redecide", errors: errors)
                errors.write("\(job): pending again; the release is decided at its delivery\n")
            }
        }
    }
}
