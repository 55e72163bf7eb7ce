import ArgumentParser
import FerryConvert
import FerryGateway
import Foundation

/// `ferry keys`: the gateway's signing keys.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage the Ed25519 keys that sign deliveries.",
        subcommands: [Generate.self, Rotate.self, List.self]
    )

    struct Options: ParsableArguments {
        @Option(help: "The key directory.")
        var directory = "keys"
    }

    /// `ferry keys generate`: the first key.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the first signing key (private key readable by its owner only).")

        @OptionGroup var options: Options

        func run() throws {
            let keyring = Keyring(directory: URL(fileURLWithPath: options.directory))
            if (try? keyring.currentKeyID()) != nil {
                throw ValidationError("\(options.directory) already has a current key; use ferry keys rotate")
            }
            try runCommand { output, _ in output.write(try keyring.rotate() + "\n") }
        }
    }

    /// `ferry keys rotate`: a new current key; old public keys stay for verification.
    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a new signing key and make it current; old public keys keep verifying.")

        @OptionGroup var options: Options

        func run() throws {
            let keyring = Keyring(directory: URL(fileURLWithPath: options.directory))
            try runCommand { output, _ in output.write(try keyring.rotate() + "\n") }
        }
    }
}

extension KeysCommand {
    /// `ferry keys list`: each key's id and fingerprint, for pinning (`audit.key_fingerprint`).
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the signing keys: id, fingerprint (for audit.key_fingerprint) and which is current.",
            discussion: "Exit status: 0 listed; 66 the directory holds no public key.")

        @OptionGroup var options: Options

        func run() throws {
            let keyring = Keyring(directory: URL(fileURLWithPath: options.directory))
            try runCommand { output, errors in
                let keys = (try? keyring.publicKeys()) ?? [:]
                guard !keys.isEmpty else {
                    errors.write("\(options.directory): error: no public keys here\n")
                    throw ExitCode(ExitStatus.noInput.rawValue)
                }
                let current = try? keyring.currentKeyID()
                for (id, key) in keys.sorted(by: { $0.key < $1.key }) {
                    output.write("\(id)  \(Keyring.fingerprint(key))\(id == current ? "  current" : "")\n")
                }
            }
        }
    }
}

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
