import FerryConvert
public import FerryCore
public import Foundation

/// Checks a project's schemas and mappings the way `ferry check` reports them: every file
/// loaded, every problem collected, and every mapping's fixture cases run as golden tests.
public struct ProjectChecker {
    /// What a check found.
    public struct Report: Sendable {
        /// Every diagnostic, in the order found.
        public var diagnostics: [Diagnostic] = []
        /// The text of every file read, for snippets.
        public var sources: [String: String] = [:]
        /// Whether a directory or file could not be opened.
        public var couldNotOpen = false
        /// Schemas and mappings loaded, and fixture cases run.
        public var schemaCount = 0, mappingCount = 0, caseCount = 0

        /// Whether any diagnostic is an error.
        public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    }

    /// Directories (or files) to check.
    public var paths: [String]
    /// Where fixture cases live (`<fixtures>/<mapping name>/<case>/`).
    public var fixtures: URL
    /// Rewrite expected fixture files with the actual output.
    public var update = false
    /// Checks a gateway configuration (a YAML file with `ferry_gateway`); the gateway module
    /// supplies it, since this module does not know the gateway.
    public var checkGatewayConfiguration: ((_ path: String, _ document: DocumentNode) -> [Diagnostic])?

    /// Creates a checker.
    public init(paths: [String], fixtures: URL, update: Bool = false) {
        self.paths = paths
        self.fixtures = fixtures
        self.update = update
    }

    /// Runs the check.
    public func run() -> Report {
        var report = Report()
        var loader = ProjectLoader()
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                report.couldNotOpen = true
                report.diagnostics.append(
                    Diagnostic(.error, code: "io.open", message: "cannot open \(path): no such file or directory"))
                continue
            }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files += names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { "\(path)/\($0)" }
            } else {
                files.append(path)
            }
        }
        var mappings: [Mapping] = []
        var gatewayDiagnostics: [Diagnostic] = []
        for file in files {
            guard let document = loader.document(at: file) else { continue }
            if document["ferry_gateway"] != nil {
                gatewayDiagnostics +=
                    checkGatewayConfiguration?(file, document) ?? [
                        Diagnostic(
                            .error, code: "gateway.unsupported",
                            message: "gateway configurations are checked by ferry check",
                            at: document.location)
                    ]
            } else if document["ferry_mapping"] != nil {
                report.mappingCount += 1
                if let mapping = loader.mapping(file) { mappings.append(mapping) }
            } else {
                report.schemaCount += 1
                _ = loader.schema(at: file)
            }
        }
        report.diagnostics += loader.diagnostics.diagnostics + gatewayDiagnostics
        report.sources = loader.sources
        for mapping in mappings { runFixtures(of: mapping, into: &report) }
        return report
    }

    private func runFixtures(of mapping: Mapping, into report: inout Report) {
        let runner = FixtureRunner(mapping: mapping)
        let cases = runner.cases(in: fixtures)
        let mappingLocation = DocumentLocation(path: mapping.path, line: 1, column: 1)
        guard !cases.isEmpty else {
            report.diagnostics.append(
                Diagnostic(
                    .error, code: "fixture.missing",
                    message:
                        "mapping \(mapping.name) has no fixture case in \(fixtures.appendingPathComponent(mapping.name).path)",
                    at: mappingLocation))
            return
        }
        var coverage = CoverageReport(mapping: mapping)
        for directory in cases {
            let input = directory.appendingPathComponent("input.xml")
            if let bytes = try? Data(contentsOf: input) {
                // A fixture's faults are the fixture runner's to report.
                coverage.add(InputSet.Document(displayPath: input.path, stream: MemoryByteStream([UInt8](bytes))))
            }
        }
        report.diagnostics += coverage.diagnostics(samples: "the fixture inputs")
        for directory in cases {
            report.caseCount += 1
            do {
                let outcome = try runner.run(directory, update: update)
                report.diagnostics += outcome.problems
                for mismatch in outcome.mismatches {
                    let file = directory.appendingPathComponent(mismatch.file).path
                    let isMissing = !FileManager.default.fileExists(atPath: file)
                    let message =
                        if update {
                            "rewrote \(mismatch.file) with the actual output"
                        } else if isMissing {
                            "case \(directory.lastPathComponent) has no \(mismatch.file), and the mapping gives "
                                + "one: ferry check --update writes it from the actual output"
                        } else {
                            "\(mismatch.file) of case \(directory.lastPathComponent) differs from the actual output"
                        }
                    var diagnostic = Diagnostic(
                        update ? .note : .error, code: update ? "fixture.updated" : "fixture.mismatch",
                        message: message, at: DocumentLocation(path: file, line: 1, column: 1))
                    if !update {
                        diagnostic.detail = FixtureRunner.diff(expected: mismatch.expected, actual: mismatch.actual)
                    }
                    report.diagnostics.append(diagnostic)
                }
            } catch {
                report.diagnostics.append(
                    Diagnostic(
                        .error, code: "fixture.unreadable",
                        message: "cannot run case \(directory.lastPathComponent): \(error)",
                        at: DocumentLocation(path: directory.path, line: 1, column: 1)))
            }
        }
    }
}
