public import FerryCore
import Foundation
import ZIPFoundation

/// The documents named on a command line, in order: files, standard input (`-`), and the
/// entries of ZIP archives in archive order.
///
/// Archive entries are extracted one at a time to a temporary file, read, and removed, so an
/// archive of any size is converted with flat memory.
public struct InputSet {
    /// The paths as given.
    public let paths: [String]
    /// Largest uncompressed archive entry accepted.
    ///
    /// Default 4 GiB.
    public var maximumEntryBytes: UInt64 = 4 << 30

    /// Called, on the thread that reads, with the number of bytes each read of a document gave:
    /// for a progress line.
    public var onRead: (@Sendable (Int) -> Void)?

    /// Creates a set; no path means standard input.
    public init(paths: [String]) { self.paths = paths.isEmpty ? ["-"] : paths }

    /// The bytes of all inputs, when they are regular files and none is an archive (whose entries
    /// are read expanded); nil otherwise.
    public var totalBytes: Int? {
        var total = 0
        for path in paths {
            guard path != "-", !Self.isZipArchive(path),
                let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                attributes[.type] as? FileAttributeType == .typeRegular,
                let size = attributes[.size] as? Int
            else { return nil }
            total += size
        }
        return total
    }

    /// A document's stream, counted through ``onRead`` when it is set.
    private func counted(_ stream: FileByteStream) -> any ByteStream {
        guard let onRead else { return stream }
        return CountingByteStream(base: stream, onRead: onRead)
    }

    /// One document to read.
    public struct Document {
        /// The name used in locations and rejects: the path, or `archive.zip!entry`.
        public let displayPath: String
        /// The bytes.
        public let stream: any ByteStream
        /// Whether it is an entry of an archive (archives skip entries that are not records).
        public let isArchiveEntry: Bool

        /// Creates a document from any byte stream.
        public init(displayPath: String, stream: any ByteStream, isArchiveEntry: Bool = false) {
            self.displayPath = displayPath
            self.stream = stream
            self.isArchiveEntry = isArchiveEntry
        }
    }

    /// Calls `body` for each document in order; reports inputs that cannot be opened and
    /// archive entries that are skipped.
    public func forEach(report: inout ConversionReport, _ body: (Document, inout ConversionReport) -> Void) {
        for path in paths {
            if path != "-" && Self.isZipArchive(path) {
                forEachEntry(ofArchive: path, report: &report, body)
                continue
            }
            do {
                let stream = try FileByteStream(path: path)
                report.documents += 1
                body(Document(displayPath: path, stream: counted(stream), isArchiveEntry: false), &report)
            } catch {
                report.unopenable.append(
                    Diagnostic(
                        .error, code: "io.open", message: "cannot open: \(error.reason)",
                        at: DocumentLocation(path: path, line: 1, column: 1)))
            }
        }
    }

    private func forEachEntry(
        ofArchive path: String, report: inout ConversionReport, _ body: (Document, inout ConversionReport) -> Void
    ) {
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            report.malformed.append(
                Diagnostic(
                    .error, code: "zip.invalid", message: "not a readable ZIP archive: \(error)",
                    at: DocumentLocation(path: path, line: 1, column: 1)))
            return
        }
        for entry in archive where entry.type == .file {
            let name = "\(path)!\(entry.path)"
            guard entry.uncompressedSize <= maximumEntryBytes else {
                report.warnings.append(
                    Diagnostic(
                        .warning, code: "zip.skipped",
                        message: "skipped: the entry expands beyond \(maximumEntryBytes) bytes",
                        at: DocumentLocation(path: name, line: 1, column: 1)))
                continue
            }
            let temporary = FileManager.default.temporaryDirectory
                .appendingPathComponent("ferry-\(UUID().uuidString).entry")
            defer { try? FileManager.default.removeItem(at: temporary) }
            do {
                _ = try archive.extract(entry, to: temporary, skipCRC32: false)
                let stream = try FileByteStream(path: temporary.path)
                report.documents += 1
                body(Document(displayPath: name, stream: counted(stream), isArchiveEntry: true), &report)
            } catch {
                report.malformed.append(
                    Diagnostic(
                        .error, code: "zip.entry", message: "cannot extract the entry: \(error)",
                        at: DocumentLocation(path: name, line: 1, column: 1)))
            }
        }
    }

    /// Whether a file starts with a ZIP local file header.
    static func isZipArchive(_ path: String) -> Bool {
        guard let stream = try? FileByteStream(path: path) else { return false }
        var header = [UInt8](repeating: 0, count: 4)
        let count = (try? header.withUnsafeMutableBytes { try stream.read(into: $0) }) ?? 0
        return count == 4 && header == [0x50, 0x4B, 0x03, 0x04]
    }
}

/// A stream that tells how many bytes each read gave.
private struct CountingByteStream: ByteStream {
    var base: FileByteStream
    let onRead: @Sendable (Int) -> Void

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = try base.read(into: buffer)
        onRead(count)
        return count
    }
}
