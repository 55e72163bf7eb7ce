#if canImport(Glibc)
import Glibc
#endif
public import Foundation

/// Delivers a body by dropping it in a destination's directory: written under a temporary
/// name, flushed to disk, then renamed, so a reader never sees a partial file. A sidecar
/// `<name>.sig.json` beside it carries the signature, its key id and the ids of the records
/// in the body; it is renamed into place before the body, so every visible body has one.
public struct DirectoryDrop: Sendable {
    /// The destination's directory.
    public let directory: URL

    /// A drop into a directory (created when missing).
    public init(directory: URL) { self.directory = directory }

    /// Why a drop failed.
    public struct DropError: Error, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Writes a delivery.
    /// - Parameters:
    ///   - name: the file name, unique per delivery (e.g. the delivery id plus an extension).
    /// - Returns: the delivered file.
    @discardableResult
    public func deliver(_ body: [UInt8], name: String, signature: Keyring.Signature, recordIDs: [String]) throws -> URL {
        guard !name.contains("/"), !name.hasPrefix(".") else { throw DropError(message: "bad delivery name \(name)") }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let sidecar: [String: Any] = ["key_id": signature.keyID, "signature": signature.value, "algorithm": "Ed25519",
                                      "file": name, "record_ids": recordIDs]
        let sidecarBytes = [UInt8](try JSONSerialization.data(withJSONObject: sidecar, options: [.sortedKeys]))
        try writeDurably(sidecarBytes, to: directory.appendingPathComponent("\(name).sig.json"))
        let target = directory.appendingPathComponent(name)
        try writeDurably(body, to: target)
        return target
    }

    /// Temporary file, fsync, rename, fsync of the directory.
    private func writeDurably(_ bytes: [UInt8], to target: URL) throws {
        let temporary = directory.appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DropError(message: "cannot create \(temporary.path): \(String(cString: strerror(errno)))") }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(temporary.path)
                throw DropError(message: "cannot write \(temporary.path): \(reason)")
            }
            written += count
        }
        guard fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(temporary.path)
            throw DropError(message: "cannot flush \(temporary.path): \(reason)")
        }
        close(fd)
        guard rename(temporary.path, target.path) == 0 else {
            unlink(temporary.path)
            throw DropError(message: "cannot rename into \(target.path): \(String(cString: strerror(errno)))")
        }
        let directoryFD = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// Reads a delivered file's sidecar.
    public static func signature(of file: URL) throws -> (signature: Keyring.Signature, recordIDs: [String]) {
        let sidecar = file.appendingPathExtension("sig.json")
        guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: sidecar)) as? [String: Any],
            let keyID = object["key_id"] as? String, let value = object["signature"] as? String
        else { throw DropError(message: "\(sidecar.path) is not a Ferry signature file") }
        return (Keyring.Signature(keyID: keyID, value: value), object["record_ids"] as? [String] ?? [])
    }
}
