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

/// `ferry verify`: checks a delivered file against its signature sidecar, or a body delivered
/// over HTTP against the signature headers that came with it.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify a delivery's detached Ed25519 signature.",
        discussion: """
            A dropped file is checked against FILE.sig.json beside it. A body received over HTTP is checked \
            with --signature and --key-id, the values of its Ferry-Signature and Ferry-Key-Id headers.
            --keys is the gateway's key directory, or a file holding the JSON of its /v1/keys.
            Exit status: 0 the signature verifies; 1 it does not; 66 the file, its signature or the keys cannot be read.
            """)

    @Option(help: "The directory of public keys, or a saved /v1/keys document.")
    var keys = "keys"

    @Option(help: "The Ferry-Signature header of an HTTP delivery.")
    var signature: String?

    @Option(help: "The Ferry-Key-Id header of an HTTP delivery.")
    var keyId: String?

    @Argument(help: "A delivered file or body.")
    var file: String

    func validate() throws {
        if (signature == nil) != (keyId == nil) { throw ValidationError("--signature and --key-id go together") }
    }

    func run() throws {
        try runCommand { output, errors in
            let url = URL(fileURLWithPath: file)
            var isDirectory: ObjCBool = false
            let publicKeys: [String: Data]?
            if FileManager.default.fileExists(atPath: keys, isDirectory: &isDirectory), !isDirectory.boolValue {
                publicKeys = (try? Data(contentsOf: URL(fileURLWithPath: keys))).flatMap { Keyring.publicKeys(fromKeysDocument: [UInt8]($0)) }
            } else {
                publicKeys = try? Keyring(directory: URL(fileURLWithPath: keys)).publicKeys()
            }
            guard let publicKeys else {
                errors.write("\(keys): error: cannot read public keys (a key directory or a /v1/keys document)\n")
                throw ExitCode(ExitStatus.noInput.rawValue)
            }
            let body: Data
            let given: Keyring.Signature
            var recordIDs: [String] = []
            if let signature, let keyId {
                guard let data = try? Data(contentsOf: url) else {
                    errors.write("\(file): error: cannot read the body\n")
                    throw ExitCode(ExitStatus.noInput.rawValue)
                }
                (body, given) = (data, Keyring.Signature(keyID: keyId, value: signature))
            } else {
                guard let data = try? Data(contentsOf: url), let (sidecar, ids) = try? DirectoryDrop.signature(of: url) else {
                    errors.write("\(file): error: cannot read the file or its signature \(file).sig.json\n")
                    throw ExitCode(ExitStatus.noInput.rawValue)
                }
                (body, given, recordIDs) = (data, sidecar, ids)
            }
            guard (try? Keyring.verify([UInt8](body), signature: given, publicKeys: publicKeys)) == true else {
                errors.write("\(file): error: the signature does not verify (key \(given.keyID))\n")
                throw ExitCode(ExitStatus.rejects.rawValue)
            }
            output.write("\(file): signature verifies (key \(given.keyID)\(signature == nil ? ", \(recordIDs.count) records" : ""))\n")
        }
    }
}
