import ArgumentParser
import FerryGateway

/// `ferry token hash`: the stored form of a bearer token.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Hash bearer tokens for the gateway configuration.",
        subcommands: [Hash.self]
    )

    struct Hash: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a token from standard input and print its salted hash (sha256$salt$digest).")

        func run() throws {
            guard let token = readLine(strippingNewline: true), !token.isEmpty else {
                throw ValidationError("give the token on standard input")
            }
            print(TokenHash.make(token: token).text)
        }
    }
}
