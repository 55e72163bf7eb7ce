#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Writes a file so that it is either absent or complete, even across a crash: a temporary
/// name in the same directory, fsync, rename over the target, fsync of the directory.
enum DurableFile {
    /// Writes `bytes` to `target`, creating its directory when missing.
    static func write(_ bytes: [UInt8], to target: URL) throws {
        let directory = target.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DeliveryError(message: "cannot create \(temporary.path): \(String(cString: strerror(errno)))") }
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
