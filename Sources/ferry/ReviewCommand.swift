import ArgumentParser
import FerryCore
import Foundation

/// `ferry review`: reviewers list, read, approve and reject the records a route requires them
/// to check, through a running gateway's API.
struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "List, show, approve or reject records waiting for two-person review (reviewers).",
        discussion: """
            The reviewer's token is read from the environment variable FERRY_TOKEN or from --token-file. \
            Two different reviewers must approve a record before it is delivered; one rejection (with a \
            reason) blocks it. Exit status: 0 done; 1 the gateway refused (no such review, approved \
            already, the release changed); 64 usage; 69 the gateway cannot be reached.
            """,
        subcommands: [List.self, Show.self, Approve.self, Reject.self])

    static func path(_ id: String) -> String {
        "/v1/reviews/" + GatewayClientOptions.escape(id)
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List open reviews: id, destination, key, classification, approvals, waiting since.")
        @OptionGroup var options: GatewayClientOptions
        @Option(help: "Only reviews for this destination.")
        var destination: String?
        @Option(help: "Output format: text (a table) or json (the gateway's answer).")
        var format: GatewayClientOptions.Format = .text

        func run() async throws {
            let query =
                destination.map {
                    "?destination=" + GatewayClientOptions.escape($0)
                } ?? ""
            try await options.list(
                "/v1/reviews" + query, member: "reviews", format: format, noun: "open review", as: .reviewer
            ) {
                item in
                let approvals = (item["approvals"]?.arrayValue ?? []).compactMap {
                    $0.objectValue?["reviewer"]?.stringValue
                }
                return ["id", "destination", "subject", "classification"].map { item[$0]?.stringValue ?? "" } + [
                    "\(approvals.count)/2" + (approvals.isEmpty ? "" : " (\(approvals.joined(separator: ", ")))"),
                    (item["held_since"]?.stringValue ?? "") + (item["overdue"] == .bool(true) ? " OVERDUE" : ""),
                ]
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a review and the record as the destination would receive it (removed fields by name).")
        @OptionGroup var options: GatewayClientOptions
        @Option(help: "Output format: text (a summary, then the record) or json (the gateway's answer).")
        var format: GatewayClientOptions.Format = .text
        @Argument(help: "The review id (from ferry review list).")
        var id: String

        func run() async throws {
            try await runCommand { output, errors in
                let data = try await options.send("GET", ReviewCommand.path(id), as: .reviewer, errors: errors)
                if format == .json { return output.write(String(decoding: data, as: UTF8.self) + "\n") }
                let review = (try? JSONParser.parseDocument([UInt8](data)))?.objectValue ?? JSONObject()
                let text = { (key: String) in review[key]?.stringValue ?? "" }
                let approvals = (review["approvals"]?.arrayValue ?? []).compactMap {
                    $0.objectValue?["reviewer"]?.stringValue
                }
                let removed = (review["removed_fields"]?.arrayValue ?? []).compactMap(\.stringValue)
                let overdue = review["overdue"] == .bool(true) ? " (overdue)" : ""
                let changed =
                    review["release_changed"] == .bool(true) ? " (changed since: approve it to review again)" : ""
                let approvedBy = approvals.isEmpty ? "" : " (" + approvals.joined(separator: ", ") + ")"
                let removedText = removed.isEmpty ? "nothing" : removed.joined(separator: ", ")
                var lines: [String] = []
                lines.append(
                    "review \(text("id")): \(text("subject")) (\(text("classification"))) for \(text("destination")), "
                        + "\(text("state")), waiting since \(text("held_since"))\(overdue)")
                lines.append("release: \(text("sha256"))\(changed)")
                lines.append("approvals: \(approvals.count)/2\(approvedBy)")
                lines.append("removed for \(text("destination")): \(removedText)")
                if let reason = review["not_released"]?.stringValue { lines.append("not released now: \(reason)") }
                if let record = review["record"], record != .null {
                    lines.append("record:\n" + String(decoding: JSONWriter().bytes(record), as: UTF8.self))
                }
                output.write(lines.joined(separator: "\n") + "\n")
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve the record under review; the second different reviewer's approval releases it.",
            discussion: """
                An approval names the release it approves: --sha256 as ferry review show printed it. \
                Without it, the release under review now is approved, and its hash is printed.
                """)
        @OptionGroup var options: GatewayClientOptions
        @Option(help: "The release reviewed (the sha256 ferry review show printed).")
        var sha256: String?
        @Argument(help: "The review id (from ferry review list).")
        var id: String

        func run() async throws {
            try await runCommand { _, errors in
                var hash = sha256
                if hash == nil {
                    let shown = try await options.send("GET", ReviewCommand.path(id), as: .reviewer, errors: errors)
                    hash = (try? JSONParser.parseDocument([UInt8](shown)))?.objectValue?["sha256"]?.stringValue
                    errors.write("\(id): approving release \(hash ?? "?")\n")
                }
                let data = try await options.send(
                    "POST", ReviewCommand.path(id) + "/approve", body: JSONObject([("sha256", .string(hash ?? ""))]),
                    as: .reviewer, errors: errors)
                let review = (try? JSONParser.parseDocument([UInt8](data)))?.objectValue
                let approvals = review?["approvals"]?.arrayValue?.count ?? 0
                errors.write(
                    review?["state"] == .string("approved")
                        ? "\(id): approved by \(approvals) reviewers; released for delivery\n"
                        : "\(id): approved by \(approvals) of 2 reviewers\n")
            }
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reject the record under review: the review ends and the delivery is blocked.")
        @OptionGroup var options: GatewayClientOptions
        @Option(help: "Why the record must not go (recorded in the audit).")
        var reason: String
        @Argument(help: "The review id (from ferry review list).")
        var id: String

        func run() async throws {
            try await runCommand { _, errors in
                _ = try await options.send(
                    "POST", ReviewCommand.path(id) + "/reject", body: JSONObject([("reason", .string(reason))]),
                    as: .reviewer, errors: errors)
                errors.write("\(id): rejected; it will not be delivered\n")
            }
        }
    }
}
