import ArgumentParser
import Dispatch
import FerryConvert

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An output file (`-o FILE`) written under a temporary name beside it and renamed into place
/// only when the command succeeds, so that a failed or interrupted run leaves nothing
/// half-written and an earlier file as it was.
///
/// - A symbolic link is followed: the file it names is replaced, the link stays.
/// - A file that exists keeps its permissions (and its owner, where the process may set it).
/// - What is not a regular file (`/dev/null`, a named pipe) is written to directly: there is
///   nothing to rename into place.
/// - SIGINT and SIGTERM while it is written remove the temporary file before the process ends.
final class AtomicOutputFile {
    /// Where the file goes, as given.
    let path: String
    /// The writer of the temporary file (or of the target itself, when it is not a regular file).
    let output: BufferedOutput
    /// The temporary file, when there is one to rename.
    private let temporaryPath: String?
    /// The file the temporary one replaces: the target, its link followed.
    private let finalPath: String
    private var isDone = false
    private var signalSources: [any DispatchSourceSignal] = []

    /// Opens the output: a temporary file beside the target, or the target itself when it is
    /// not a regular file.
    /// - Throws: ``InputOpenError`` when it cannot be created.
    init(path: String) throws(InputOpenError) {
        self.path = path
        var target = path
        if let resolved = realpath(path, nil) {
            target = String(cString: resolved)
            free(resolved)
        }
        finalPath = target
        var existing = stat()
        let exists = stat(target, &existing) == 0
        if exists && (existing.st_mode & S_IFMT) != S_IFREG {
            let descriptor = open(target, O_WRONLY | O_TRUNC | O_CLOEXEC)
            guard descriptor >= 0 else { throw InputOpenError(path: path, reason: String(cString: strerror(errno))) }
            temporaryPath = nil
            output = BufferedOutput(descriptor: descriptor, owns: true, name: path)
            return
        }
        let slash = target.lastIndex(of: "/")
        let directory = slash.map { String(target[...$0]) } ?? ""
        let name = slash.map { String(target[target.index(after: $0)...]) } ?? target
        var template = Array("\(directory).\(name).ferry-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw InputOpenError(path: path, reason: String(cString: strerror(errno))) }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        temporaryPath = temporary
        if exists {
            fchmod(descriptor, existing.st_mode & 0o7777)
            _ = fchown(descriptor, existing.st_uid, existing.st_gid)
        } else {
            // mkstemp makes the file private; a new output gets the mode a new file gets.
            let mask = umask(0)
            umask(mask)
            fchmod(descriptor, 0o666 & ~mask)
        }
        output = BufferedOutput(descriptor: descriptor, owns: true, name: path)
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                unlink(temporary)
                exit(128 + number)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    deinit { discard() }

    /// Writes what is buffered and renames the file into place.
    /// - Throws: `ExitCode` 74 (EX_IOERR), said on `errors`, when it could not be written or renamed.
    func commit(reportingTo errors: BufferedOutput) throws {
        try output.finish(reportingTo: errors)
        if let temporaryPath, rename(temporaryPath, finalPath) != 0 {
            errors.write("ferry: error: cannot write \(path): \(String(cString: strerror(errno)))\n")
            throw ExitCode(ExitStatus.ioError.rawValue)
        }
        finish()
    }

    /// Removes the temporary file, unless it was committed.
    func discard() {
        guard !isDone else { return }
        if let temporaryPath { unlink(temporaryPath) }
        finish()
    }

    /// Done with the file: signals end the process as they would have.
    private func finish() {
        isDone = true
        for source in signalSources { source.cancel() }
        for number in [SIGINT, SIGTERM] where !signalSources.isEmpty { signal(number, SIG_DFL) }
        signalSources = []
    }
}
