import FerryCore
public import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Delivers a body by dropping it in a destination's directory: written under a temporary
/// name, flushed to disk, then renamed, so a reader never sees a partial file.
///
/// A sidecar `<name>.sig.json` beside it is the signed ``DeliveryManifest`` (destination, delivery,
/// time, the body's SHA-256, the record ids, the key); it is renamed into place before the body, so
/// every visible body has one.
public struct DirectoryDrop: Sendable {
    /// The destination's directory.
    public let directory: URL
    /// Who may read the drops.
    public let permissions: GatewayConfiguration.DropPermissions

    /// A drop into a directory (created when missing).
    public init(directory: URL, permissions: GatewayConfiguration.DropPermissions = .init()) {
        self.directory = directory
        self.permissions = permissions
    }

    /// Writes a delivery.
    /// - Parameters:
    ///   - name: the file name, unique per delivery (e.g. the delivery id plus an extension).
    ///   - signature: the signature over the manifest's ``DeliveryManifest/signedBytes``.
    /// - Returns: the delivered file.
    @discardableResult
    public func deliver(_ body: [UInt8], name: String, manifest: DeliveryManifest, signature: String) throws -> URL {
        guard !name.contains("/"), !name.hasPrefix(".") else {
            throw DeliveryError(message: "bad delivery name \(name)")
        }
        var group: gid_t?
        if let name = permissions.group {
            guard let entry = getgrnam(name) else {
                throw DeliveryError(message: "no group \(name) for the drops of \(directory.path)")
            }
            group = entry.pointee.gr_gid
        }
        let filePermissions = DurableFile.Permissions(
            fileMode: mode_t(permissions.fileMode),
            directoryMode: mode_t(permissions.directoryMode), group: group)
        try DurableFile.write(
            manifest.sidecar(signature: signature), to: Self.sidecar(of: directory.appendingPathComponent(name)),
            permissions: filePermissions)
        let target = directory.appendingPathComponent(name)
        try DurableFile.write(body, to: target, permissions: filePermissions)
        return target
    }

    /// The sidecar of a delivered file.
    public static func sidecar(of file: URL) -> URL { file.appendingPathExtension("sig.json") }

    /// Reads a delivered file's sidecar: the signed manifest, or the body-only form of
    /// earlier releases.
    public static func signed(_ file: URL) throws -> DeliveryManifest.Signed {
        let sidecar = sidecar(of: file)
        guard let value = try? JSONParser.parseDocument([UInt8](try Data(contentsOf: sidecar))),
            let signed = DeliveryManifest.signed(sidecar: value)
        else { throw DeliveryError(message: "\(sidecar.path) is not a Ferry signature file") }
        return signed
    }
}
