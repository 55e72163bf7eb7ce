import ArgumentParser
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
///
/// A write that fails (a full device, an I/O error) is kept as ``failure`` and what follows is
/// dropped; the command reports it and exits 74. A reader that went away (a closed pipe, as with
/// `ferry convert … | head`) is no failure: the rest is dropped silently.
final class BufferedOutput {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private static let capacity = 1 << 16
    /// What the output is, for messages: `standard output`, or a file's path.
    let name: String
    /// Why the output stopped being written, when a write failed.
    private(set) var failure: String?
    /// Whether writing stopped: a failure, or a reader that went away.
    private var isClosed = false

    /// Standard output.
    static func standardOutput() -> BufferedOutput {
        BufferedOutput(descriptor: 1, owns: false, name: "standard output")
    }

    /// Standard error.
    static func standardError() -> BufferedOutput { BufferedOutput(descriptor: 2, owns: false, name: "standard error") }

    /// A writer to an open descriptor, closed with the writer when it `owns` it.
    init(descriptor: Int32, owns: Bool, name: String) {
        self.descriptor = descriptor
        ownsDescriptor = owns
        self.name = name
        buffer.reserveCapacity(Self.capacity)
    }

    /// Creates or truncates a file.
    /// - Throws: ``InputOpenError`` when the file cannot be created.
    convenience init(creating path: String) throws(InputOpenError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw InputOpenError(path: path, reason: String(cString: strerror(errno))) }
        self.init(descriptor: fd, owns: true, name: path)
    }

    deinit {
        flush()
        if ownsDescriptor { close(descriptor) }
    }

    /// Appends bytes.
    func write(_ bytes: some Collection<UInt8>) {
        guard !isClosed else { return }
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.capacity { flush() }
    }

    /// Appends a string's UTF-8 bytes.
    func write(_ text: String) { write(text.utf8) }

    /// Writes everything buffered.
    func flush() {
        var offset = 0
        while offset < buffer.count && !isClosed {
            let written = buffer.withUnsafeBytes {
                Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset)
            }
            if written < 0 {
                let code = errno
                if code == EINTR { continue }
                isClosed = true
                // A closed pipe: nothing more can be delivered, and nobody waits for it.
                if code != EPIPE { failure = String(cString: strerror(code)) }
            } else {
                offset += written
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes everything buffered and, when a write failed, says so on `errors`.
    /// - Throws: `ExitCode` 74 (EX_IOERR) when a write failed.
    func finish(reportingTo errors: BufferedOutput) throws {
        flush()
        guard let failure else { return }
        errors.write("ferry: error: writing \(name) failed: \(failure)\n")
        throw ExitCode(ExitStatus.ioError.rawValue)
    }
}
