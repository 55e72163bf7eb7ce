import ArgumentParser
import FerryCore
import Foundation

/// `ferry documents`: what a running gateway received, through its API: operators see every
/// document, a sender its own.
struct DocumentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "documents",
        abstract: "List the documents a running gateway received, or show one with each record's outcome.",
        discussion: """
            The token (an operator's, or a sender's for its own documents) is read from FERRY_TOKEN or \
            --token-file. Exit status: 0 done; 1 the gateway refused; 64 usage; 69 the gateway cannot be \
            reached.
            """,
        subcommands: [List.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List documents, newest first: id, sender, received at, accepted, duplicates, rejected.")
        @OptionGroup var options: GatewayClientOptions
        @Option(help: "Only this sender's documents.")
        var sender: String?
        @Option(help: "Received at or after this time (RFC 3339, or a date).")
        var from: String?
        @Option(help: "Received before this time (RFC 3339, or a date).")
        var before: String?
        @Option(help: "Only documents with a record of this outcome: accepted, duplicate or rejected.")
        var outcome: String?
        @Option(help: "Only documents that carried a record with this key.")
        var key: String?
        @Option(help: "Skip this many documents.")
        var offset = 0
        @Option(help: "At most this many documents (up to 1000).")
        var limit = 100
        @Option(help: "Output format: text (a table) or json (the gateway's answer).")
        var format: GatewayClientOptions.Format = .text

        func run() async throws {
            var items = [
                URLQueryItem(name: "offset", value: String(offset)), URLQueryItem(name: "limit", value: String(limit)),
            ]
            for (name, value) in [
                ("sender", sender), ("from", from), ("before", before), ("outcome", outcome), ("key", key),
            ] {
                if let value { items.append(URLQueryItem(name: name, value: value)) }
            }
            var components = URLComponents()
            components.queryItems = items
            let query = components.percentEncodedQuery.map { "?" + $0.replacingOccurrences(of: "+", with: "%2B") } ?? ""
            try await options.list(
                "/v1/documents" + query, member: "documents", format: format, noun: "document", as: .documents
            ) {
                item in
                ["document", "sender", "received_at"].map { item[$0]?.stringValue ?? "" }
                    + ["accepted", "duplicates", "rejected"].map { "\(item[$0]?.integerValue ?? 0) \($0)" }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a document: each record's outcome and, per destination, its state.")
        @OptionGroup var options: GatewayClientOptions
        @Argument(help: "The document id (from ferry documents list, or the answer to its POST).")
        var id: String
        @Option(help: "Output format: text (a summary) or json (the gateway's answer).")
        var format: GatewayClientOptions.Format = .text

        func run() async throws {
            try await runCommand { output, errors in
                let data = try await options.send(
                    "GET", "/v1/documents/" + GatewayClientOptions.escape(id),
                    as: .documents, errors: errors)
                if format == .json { return output.write(String(decoding: data, as: UTF8.self) + "\n") }
                let report = (try? JSONParser.parseDocument([UInt8](data)))?.objectValue ?? JSONObject()
                output.write(
                    "document \(report["document"]?.stringValue ?? id) from \(report["sender"]?.stringValue ?? "") at "
                        + "\(report["received_at"]?.stringValue ?? ""): \(report["accepted"]?.integerValue ?? 0) accepted, "
                        + "\(report["duplicates"]?.integerValue ?? 0) duplicates, \(report["rejected"]?.integerValue ?? 0) rejected\n"
                )
                for record in (report["records"]?.arrayValue ?? []).compactMap(\.objectValue) {
                    let places = (record["destinations"]?.arrayValue ?? []).compactMap(\.objectValue).map {
                        "\($0["destination"]?.stringValue ?? "") (\($0["state"]?.stringValue ?? ""))"
                    }
                    var detail = places.joined(separator: ", ")
                    if let first = record["first_document"]?.stringValue { detail = "first in \(first)" }
                    if let reason = record["reason"]?.stringValue { detail = reason }
                    if detail.isEmpty { detail = "no route" }
                    output.write(
                        "  \(record["position"]?.integerValue ?? 0)\t\(record["outcome"]?.stringValue ?? "")\t"
                            + "\(record["key"]?.stringValue ?? "-")\t\(detail)\n")
                }
            }
        }
    }
}
