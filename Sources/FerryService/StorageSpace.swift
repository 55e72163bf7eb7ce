#if canImport(Glibc)
    import Glibc
#endif
import Foundation

/// Free space on the file system of a directory, for readiness and for refusing documents
/// before the disk is full (so that nothing is half-written).
enum StorageSpace {
    /// Bytes available to the gateway's user, or nil when they cannot be read: callers fail
    /// closed, a disk whose room is unknown is treated as full (not ready, documents refused).
    static func available(at directory: URL) -> Int? {
        var info = statvfs()
        guard statvfs(directory.path, &info) == 0 else { return nil }
        let bytes = UInt64(info.f_bavail) * UInt64(info.f_frsize)
        return bytes > UInt64(Int.max) ? Int.max : Int(bytes)
    }
}
