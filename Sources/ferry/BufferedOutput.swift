import FerryConvert

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A buffered writer to a file descriptor (standard output, standard error or a file).
///
/// Bytes are collected up to 64 KiB and written in one call; `flush()` writes the rest. The
/// buffer is reused, so writing records allocates nothing per record.
final class BufferedOutput {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private static let capacity = 1 << 16

    /// Standard output.
    static func standardOutput() -> BufferedOutput { BufferedOutput(descriptor: 1, owns: false) }

    /// Standard error.
    static func standardError() -> BufferedOutput { BufferedOutput(descriptor: 2, owns: false) }

    private init(descriptor: Int32, owns: Bool) {
        self.descriptor = descriptor
        ownsDescriptor = owns
        buffer.reserveCapacity(Self.capacity)
    }

    /// Creates or truncates a file.
    /// - Throws: ``InputOpenError`` when the file cannot be created.
    convenience init(creating path: String) throws(InputOpenError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw InputOpenError(path: path, reason: String(cString: strerror(errno))) }
        self.init(descriptor: fd, owns: true)
    }

    deinit {
        flush()
        if ownsDescriptor { close(descriptor) }
    }

    /// Appends bytes.
    func write(_ bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.capacity { flush() }
    }

    /// Appends a string's UTF-8 bytes.
    func write(_ text: String) { write(text.utf8) }

    /// Writes everything buffered.
    func flush() {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes {
                Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                break  // a closed pipe: nothing more can be delivered
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
