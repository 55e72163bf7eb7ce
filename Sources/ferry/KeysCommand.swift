import ArgumentParser
import FerryConvert
import FerryGateway
import Foundation

/// `ferry keys`: the gateway's signing keys.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage the Ed25519 keys that sign deliveries.",
        subcommands: [Generate.self, Rotate.self]
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

/// `ferry verify`: checks a delivered file against its signature sidecar.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify a delivered file's detached Ed25519 signature (FILE.sig.json beside it).",
        discussion: "Exit status: 0 the signature verifies; 1 it does not; 66 the file or its signature cannot be read.")

    @Option(help: "The directory of public keys.")
    var keys = "keys"

    @Argument(help: "A delivered file.")
    var file: String

    func run() throws {
        try runCommand { output, errors in
            let url = URL(fileURLWithPath: file)
            guard let body = try? Data(contentsOf: url), let (signature, recordIDs) = try? DirectoryDrop.signature(of: url) else {
                errors.write("\(file): error: cannot read the file or its signature \(file).sig.json\n")
                throw ExitCode(ExitStatus.noInput.rawValue)
            }
            let keyring = Keyring(directory: URL(fileURLWithPath: keys))
            guard (try? keyring.verify([UInt8](body), signature: signature)) == true else {
                errors.write("\(file): error: the signature does not verify (key \(signature.keyID))\n")
                throw ExitCode(ExitStatus.rejects.rawValue)
            }
            output.write("\(file): signature verifies (key \(signature.keyID), \(recordIDs.count) records)\n")
        }
    }
}
