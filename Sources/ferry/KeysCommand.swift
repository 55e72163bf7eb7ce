import ArgumentParser
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
