#if canImport(Glibc)
    import Glibc
#endif
import Foundation

/// Writes a file so that it is either absent or complete, even across a crash: a temporary
/// name in the same directory, fsync, rename over the target, fsync of the directory.
enum DurableFile {
    /// Who may read a file written, and the directories created for it.
    struct Permissions {
        var fileMode: mode_t
        var directoryMode: mode_t
        /// The group to give the file and the directories created (nil: the process's).
        var group: gid_t?

        /// Readable by everybody: for what is public, such as signed checkpoints.
        static let world = Permissions(fileMode: 0o644, directoryMode: 0o755, group: nil)
    }

    /// Writes `bytes` to `target`, creating its directory when missing.
    ///
    /// The file is created with its mode (never wider, then narrowed) and group before a byte is
    /// written.
    static func write(_ bytes: [UInt8], to target: URL, permissions: Permissions = .world) throws {
        let directory = target.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: directory.path) {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: Int(permissions.directoryMode)])
            if let group = permissions.group, chown(directory.path, uid_t.max, group) != 0 {
                throw DeliveryError(
                    message: "cannot give \(directory.path) its group: \(String(cString: strerror(errno)))")
            }
        }
        let temporary = directory.appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions.fileMode)
        guard fd >= 0 else {
            throw DeliveryError(message: "cannot create \(temporary.path): \(String(cString: strerror(errno)))")
        }
        // The process's umask may have narrowed the mode; the group is set before any byte.
        if fchmod(fd, permissions.fileMode) != 0 || (permissions.group.map { fchown(fd, uid_t.max, $0) != 0 } ?? false)
        {
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(temporary.path)
            throw DeliveryError(message: "cannot set the mode or group of \(temporary.path): \(reason)")
        }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(temporary.path)
                throw DeliveryError(message: "cannot write \(temporary.path): \(reason)")
            }
            written += count
        }
        guard fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(temporary.path)
            throw DeliveryError(message: "cannot flush \(temporary.path): \(reason)")
        }
        close(fd)
        guard rename(temporary.path, target.path) == 0 else {
            unlink(temporary.path)
            throw DeliveryError(message: "cannot rename into \(target.path): \(String(cString: strerror(errno)))")
        }
        let directoryFD = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }
}
