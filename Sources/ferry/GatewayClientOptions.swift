import ArgumentParser
import FerryCore
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// How a command reaches a running gateway's API: its URL and the caller's token (an operator's
/// or a reviewer's), with `send` and `list` for the commands that compose it.
struct GatewayClientOptions: ParsableArguments {
    @Option(help: "The gateway's base URL.")
    var url = "http://127.0.0.1:8080"

    @Option(help: "A file holding the operator's or reviewer's token (default: $FERRY_TOKEN).")
    var tokenFile: String?

    /// How a listing is printed.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    /// Who calls, for the messages: the command and the token it needs.
    struct Caller {
        let command: String
        let token: String

        static let `operator` = Caller(command: "ferry queue", token: "an operator token")
        static let reviewer = Caller(command: "ferry review", token: "a reviewer's token")
        static let documents = Caller(command: "ferry documents", token: "an operator's or a sender's token")
        static let audit = Caller(command: "ferry audit", token: "an operator token")
    }

    /// The token, or what is wrong with how it was given.
    func token(for caller: Caller) -> Result<String, TokenError> {
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
            return .failure(TokenError("set FERRY_TOKEN or --token-file to \(caller.token)"))
        }
        return .success(token)
    }

    /// Why no token could be had.
    struct TokenError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// Sends one request, with a JSON body if given.
    func send(
        _ method: String, _ path: String, body: JSONObject? = nil, as caller: Caller = .operator,
        errors: BufferedOutput
    ) async throws -> Data {
        guard let endpoint = URL(string: url + path) else { throw ValidationError("bad --url \(url)") }
        var request = URLRequest(url: endpoint, timeoutInterval: 30)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(JSONWriter().bytes(.object(body)))
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        switch token(for: caller) {
        case .success(let token):
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        case .failure(let problem):
            errors.write("\(caller.command): error: \(problem.message)\n")
            throw ExitCode(ExitStatus.usage.rawValue)
        }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            errors.write("\(caller.command): error: cannot reach \(url): \(error.localizedDescription)\n")
            throw ExitCode(ExitStatus.unavailable.rawValue)
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            let message =
                (try? JSONParser.parseDocument([UInt8](data)))?.objectValue?["error"]?.stringValue
                ?? "status \(status)"
            errors.write("\(caller.command): error: \(message)\n")
            throw ExitCode(ExitStatus.rejects.rawValue)
        }
        return data
    }

    /// Lists a collection of the API: the gateway's JSON, or a table of the columns `row`
    /// picks, with the count on standard error.
    func list(
        _ path: String, member: String, format: Format, noun: String, plural: String? = nil,
        as caller: Caller = .operator,
        row: @escaping (JSONObject) -> [String]
    ) async throws {
        try await runCommand { output, errors in
            let data = try await send("GET", path, as: caller, errors: errors)
            if format == .json { return output.write(String(decoding: data, as: UTF8.self) + "\n") }
            let items = (try? JSONParser.parseDocument([UInt8](data)))?.objectValue?[member]?.arrayValue ?? []
            for item in items.compactMap(\.objectValue) { output.write(row(item).joined(separator: "\t") + "\n") }
            errors.write("\(counted(items.count, noun, plural: plural))\n")
        }
    }

    /// A path segment or query value with everything but RFC 3986's unreserved characters
    /// percent-encoded (a job id's `/` included).
    static func escape(_ text: String) -> String {
        var unreserved = CharacterSet.alphanumerics
        unreserved.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
