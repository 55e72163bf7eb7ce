#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
public import FerryCore

/// A ``ByteStream`` over an open file descriptor: a file, or standard input for `-`.
public final class FileByteStream: ByteStream {
    private let descriptor: Int32
    private let ownsDescriptor: Bool

    /// Opens a file for reading.
    /// - Throws: ``InputOpenError`` when it cannot be opened.
    public init(path: String) throws(InputOpenError) {
        if path == "-" {
            descriptor = 0
            ownsDescriptor = false
            return
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InputOpenError(path: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw InputOpenError(path: path, reason: "is a directory")
        }
        descriptor = fd
        ownsDescriptor = true
    }

    deinit { if ownsDescriptor { close(descriptor) } }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw InputOpenError(path: "", reason: String(cString: strerror(errno)))
        }
    }
}

/// An input that cannot be opened or read.
public struct InputOpenError: Error, Sendable, CustomStringConvertible {
    /// The path as given.
    public let path: String
    /// The system's reason.
    public let reason: String

    package init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): cannot open: \(reason)" }
}
