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

    struct Options: ParsableArguments {
        @Option(help: "The gateway's base URL.")
        var url = "http://127.0.0.1:8080"

        @Option(help: "A file holding the operator token (default: $FERRY_TOKEN).")
        var tokenFile: String?

        /// The operator token, or what is wrong with how it was given.
        func token() -> Result<String, TokenError> {
            if let tokenFile {
                do {
                    let token = try String(contentsOfFile: tokenFile, encoding: .utf8)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                    return token.isEmpty ? .failure(TokenError("--token-file \(tokenFile) is empty")) : .success(token)
                } catch {
                    return .failure(TokenError("cannot read --token-file \(tokenFile): \(error.localizedDescription)"))
                }
            }
            guard let token = ProcessInfo.processInfo.environment["FERRY_TOKEN"], !token.isEmpty else {
                return .failure(TokenError("set FERRY_TOKEN or --token-file to an operator token"))
            }
            return .success(token)
        }

        /// Why no token could be had.
        struct TokenError: Error {
            let message: String
            init(_ message: String) { self.message = message }
        }

        /// Sends one operator request.
        func send(_ method: String, _ path: String, errors: BufferedOutput) async throws -> Data {
            guard let endpoint = URL(string: url + path) else { throw ValidationError("bad --url \(url)") }
            var request = URLRequest(url: endpoint, timeoutInterval: 30)
            request.httpMethod = method
            switch token() {
            case .success(let token):
                request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            case .failure(let problem):
                errors.write("ferry queue: error: \(problem.message)\n")
                throw ExitCode(ExitStatus.usage.rawValue)
            }
            let (data, response): (Data, URLResponse)
            do {
                (data, response) = try await URLSession.shared.data(for: request)
            } catch {
                errors.write("ferry queue: error: cannot reach \(url): \(error.localizedDescription)\n")
                throw ExitCode(ExitStatus.unavailable.rawValue)
            }
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard (200..<300).contains(status) else {
                let message =
                    (try? JSONParser.parseDocument([UInt8](data)))?.objectValue?["error"]?.stringValue
                    ?? "status \(status)"
                errors.write("ferry queue: error: \(message)\n")
                throw ExitCode(ExitStatus.rejects.rawValue)
            }
            return data
        }

        /// Lists a collection of the operator API: the gateway's JSON, or a table of the columns
        /// `row` picks, with the count on standard error.
        func list(
            _ path: String, member: String, json: Bool, noun: String, plural: String? = nil,
            row: @escaping (JSONObject) -> [String]
        ) async throws {
            try await runCommand { output, errors in
                let data = try await send("GET", path, errors: errors)
                if json { return output.write(String(decoding: data, as: UTF8.self)) }
                let items = (try? JSONParser.parseDocument([UInt8](data)))?.objectValue?[member]?.arrayValue ?? []
                for item in items.compactMap(\.objectValue) { output.write(row(item).joined(separator: "\t") + "\n") }
                errors.write("\(counted(items.count, noun, plural: plural))\n")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List dead letters: job, destination, key, attempts, last error.")
        @OptionGroup var options: Options
        @Flag(help: "Print the gateway's JSON instead of a table.")
        var json = false

        func run() async throws {
            try await options.list("/v1/dead-letters", member: "dead_letters", json: json, noun: "dead letter") {
                item in
                ["id", "destination", "key"].map { item[$0]?.stringValue ?? "" }
                    + ["\(item["attempts"]?.integerValue ?? 0)", item["last_error"]?.stringValue ?? ""]
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a dead letter pending again, with its attempts reset.")
        @OptionGroup var options: Options
        @Argument(help: "The job id (from ferry queue list).")
        var job: String

        func run() async throws {
            try await runCommand { _, errors in
                _ = try await options.send("POST", "/v1/dead-letters/\(Self.escape(job))/retry", errors: errors)
                errors.write("\(job): pending again\n")
            }
        }

        static func escape(_ id: String) -> String {
            id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? id
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a dead letter; later records of its key are delivered.")
        @OptionGroup var options: Options
        @Argument(help: "The job id (from ferry queue list).")
        var job: String

        func run() async throws {
            try await runCommand { _, errors in
                _ = try await options.send("DELETE", "/v1/dead-letters/\(Retry.escape(job))", errors: errors)
                errors.write("\(job): purged\n")
            }
        }
    }

    struct Held: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List held deliveries: job, destination, key, since, records waiting behind it, reason.")
        @OptionGroup var options: Options
        @Flag(help: "Print the gateway's JSON instead of a table.")
        var json = false

        func run() async throws {
            try await options.list(
                "/v1/held", member: "held", json: json, noun: "held delivery", plural: "held deliveries"
            ) { item in
                ["id", "destination", "key", "held_since"].map { item[$0]?.stringValue ?? "" }
                    + ["\(item["waiting"]?.integerValue ?? 0) waiting", item["reason"]?.stringValue ?? ""]
            }
        }
    }

    struct Redecide: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Have a held delivery decided again (after the configuration is fixed).")
        @OptionGroup var options: Options
        @Argument(help: "The job id (from ferry queue held).")
        var job: String

        func run() async throws {
            try await runCommand { _, errors in
                _ = try await options.send("POST", "/v1/held/\(Retry.escape(job))/redecide", errors: errors)
                errors.write("\(job): pending again; the release is decided at its delivery\n")
            }
        }
    }
}
