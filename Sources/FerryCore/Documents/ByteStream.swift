/// A source of bytes read in chunks: a file, standard input, an archive entry, a request body.
///
/// Readers pull from it as they parse, so a document is never held whole in memory.
public protocol ByteStream {
    /// Fills the start of `buffer` and returns how many bytes were written; 0 at the end.
    /// - Throws: the underlying read error.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A ``ByteStream`` over bytes already in memory.
public struct MemoryByteStream: ByteStream, Sendable {
    private let bytes: [UInt8]
    private var position = 0

    /// Creates a stream over `bytes`.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + position, byteCount: count)
        }
        position += count
        return count
    }
}

/// A ``ByteStream`` over bytes in memory that hands out at most `chunkSize` bytes per read, so a
/// reader meets every chunk boundary a pipe or socket may produce.
public struct ChunkedByteStream: ByteStream, Sendable {
    private var inner: MemoryByteStream
    private let chunkSize: Int

    /// Creates a stream over `bytes` that returns at most `chunkSize` bytes a call.
    public init(_ bytes: [UInt8], chunkSize: Int) {
        inner = MemoryByteStream(bytes)
        self.chunkSize = max(1, chunkSize)
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(chunkSize, buffer.count)]))
    }
}

extension ByteStream {
    /// Reads everything that is left, for inputs that are read whole (JSON documents, small files).
    public mutating func readAll() throws -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = try chunk.withUnsafeMutableBytes { try read(into: $0) }
            if count == 0 { return result }
            result.append(contentsOf: chunk[0..<count])
        }
    }
}
