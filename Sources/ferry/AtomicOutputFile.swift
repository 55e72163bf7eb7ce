import ArgumentParser
import FerryConvert

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An output file (`-o FILE`) written under a temporary name beside it and renamed into place
/// only when the command succeeds, so that a failed run leaves nothing half-written and an
/// earlier file as it was.
final class AtomicOutputFile {
    /// Where the file goes.
    let path: String
    /// The writer of the temporary file.
    let output: BufferedOutput
    private let temporaryPath: String
    private var isDone = false

    /// Creates the temporary file in the directory of `path`.
    /// - Throws: ``InputOpenError`` when it cannot be created there.
    init(path: String) throws(InputOpenError) {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var template = Array("\(directory).\(name).ferry-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw InputOpenError(path: path, reason: String(cString: strerror(errno))) }
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        // mkstemp makes the file private; the output gets the mode a new file gets.
        let mask = umask(0)
        umask(mask)
        fchmod(descriptor, 0o666 & ~mask)
        output = BufferedOutput(descriptor: descriptor, owns: true, name: path)
    }

    deinit { discard() }

    /// Writes what is buffered and renames the file into place.
    /// - Throws: `ExitCode` 74 (EX_IOERR), said on `errors`, when it could not be written or renamed.
    func commit(reportingTo errors: BufferedOutput) throws {
        try output.finish(reportingTo: errors)
        guard rename(temporaryPath, path) == 0 else {
            errors.write("ferry: error: cannot write \(path): \(String(cString: strerror(errno)))\n")
            throw ExitCode(ExitStatus.ioError.rawValue)
        }
        isDone = true
    }

    /// Removes the temporary file, unless it was committed.
    func discard() {
        guard !isDone else { return }
        isDone = true
        unlink(temporaryPath)
    }
}
