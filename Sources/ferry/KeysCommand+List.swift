import ArgumentParser
import FerryGateway
import Foundation

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
