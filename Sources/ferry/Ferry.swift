import ArgumentParser
import FerryConvert

/// The `ferry` command: converts, validates and checks agency records.
@main
struct Ferry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferry",
        abstract:
            "Convert legacy agency exports to canonical records and back, check them, and run the gateway between agencies.",
        discussion: """
            Exit status: 0 all converted; 1 some records rejected (the rest were written); 64 usage; \
            65 an input not well-formed or not decodable; 66 an input cannot be opened; 69 a service \
            (the gateway, PostgreSQL) cannot be reached; 73 an output file cannot be created; 74 output \
            cannot be written (a full device); \
            78 a schema or mapping is invalid; 70 an internal error (a bug: please report it). When \
            several apply, the highest wins.
            """,
        version: "0.1.0",
        subcommands: [
            Convert.self, Validate.self, Check.self, SchemaCommand.self, Serve.self, QueueCommand.self,
            KeysCommand.self,
            TokenCommand.self, Verify.self, AuditCommand.self, DraftCommand.self, ReviewCommand.self,
            DocumentsCommand.self,
        ]
    )
}

/// Runs a command's body with buffered standard output and error, flushed on the way out, so
/// that every failure leaves with a documented status: the command's own `ExitCode`s pass
/// through; output that could not be written is 74 (EX_IOERR), unless a higher status applies;
/// anything else is an internal error (70, EX_SOFTWARE), reported on standard error, never
/// argument-parser's generic 1.
func runCommand(_ body: (_ output: BufferedOutput, _ errors: BufferedOutput) throws -> Void) throws {
    let (output, errors) = (BufferedOutput.standardOutput(), BufferedOutput.standardError())
    defer { errors.flush() }
    var status: ExitCode?
    do {
        try body(output, errors)
    } catch {
        status = exitCode(for: error, errors: errors)
    }
    try finish(output, errors: errors, status: status)
}

/// ``runCommand(_:)`` for commands whose work is asynchronous.
func runCommand(_ body: (_ output: BufferedOutput, _ errors: BufferedOutput) async throws -> Void) async throws {
    let (output, errors) = (BufferedOutput.standardOutput(), BufferedOutput.standardError())
    defer { errors.flush() }
    var status: ExitCode?
    do {
        try await body(output, errors)
    } catch {
        status = exitCode(for: error, errors: errors)
    }
    try finish(output, errors: errors, status: status)
}

/// Flushes standard output and leaves with the higher of the body's status and a write failure's.
private func finish(_ output: BufferedOutput, errors: BufferedOutput, status: ExitCode?) throws {
    do {
        try output.finish(reportingTo: errors)
    } catch let failed as ExitCode {
        throw ExitCode(max(failed.rawValue, status?.rawValue ?? 0))
    }
    if let status { throw status }
}

private func exitCode(for error: any Error, errors: BufferedOutput) -> ExitCode {
    if let exit = error as? ExitCode { return exit }
    errors.write("ferry: internal error: \(error)\n")
    return ExitCode(ExitStatus.internalError.rawValue)
}
