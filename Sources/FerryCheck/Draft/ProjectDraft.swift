import FerryConvert
public import FerryCore
public import Foundation

/// `ferry draft`'s mechanical half of onboarding a format: from a census of sample exports, a
/// schema for a record type, a mapping that reads the samples into it, and fixture cases of the
/// samples, with what the samples cannot settle marked for the maintainer.
public struct ProjectDraft {
    /// The mapping's name, which also names the schema file and the fixture directory.
    public let name: String
    /// The files' text.
    public let schemaText: String, mappingText: String
    /// What was decided from the samples, for the maintainer: the records path, the key.
    public let decisions: [String]

    /// The schema's path in the project.
    public var schemaFile: String { "schemas/\(name).yaml" }
    /// The mapping's path in the project.
    public var mappingFile: String { "mappings/\(name).yaml" }

    /// Drafts from a census.
    /// - Parameters:
    ///   - recordType: the canonical record type, such as `procurement.contract`.
    ///   - name: the mapping's name; by default the record type with `-` for `.`.
    ///   - recordsPath: local names from the root to the record element; by default chosen.
    ///   - keyPath: the key's path below the record; by default chosen.
    public init(
        census: PathCensus, recordType: String, name: String? = nil, recordsPath: String? = nil,
        keyPath: String? = nil
    ) throws(DraftError) {
        guard recordType.wholeMatch(of: /[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+/) != nil else {
            throw DraftError(
                "--type \(recordType): a record type is lower-case words joined by dots, such as procurement.contract")
        }
        let name = name ?? recordType.replacingOccurrences(of: ".", with: "-").replacingOccurrences(of: "_", with: "-")
        guard name.wholeMatch(of: /[a-z][a-z0-9-]*/) != nil else {
            throw DraftError("--name \(name): a mapping name is lower-case letters, digits and -")
        }
        let roots = census.nodes[0].children
        guard let root = roots.max(by: { census.nodes[$0].occurrences < census.nodes[$1].occurrences }) else {
            throw DraftError("the samples hold no element")
        }
        guard roots.count == 1 else {
            let named = roots.map { "\(census.nodes[$0].name) (\(census.nodes[$0].files.count) file(s))" }
            throw DraftError(
                "the samples have different roots: \(named.joined(separator: ", ")); draft each format from its own samples"
            )
        }
        let records =
            try recordsPath.map { path throws(DraftError) in
                try RecordsPathChoice(census: census, root: root, path: path)
            }
            ?? RecordsPathChoice(census: census, root: root)
        let record = records.nodes[records.nodes.count - 1]
        let namespaces = NamespacePlan(census: census, nodes: records.nodes + census.descendants(of: record))
        var model = DraftModel(
            census: census, record: record,
            recordClass: DraftNaming.className(recordType.replacingOccurrences(of: ".", with: "_")),
            namespaces: namespaces)
        guard !model.classes[0].fields.isEmpty else {
            throw DraftError("the record element \(census.path(of: record)) holds nothing to read: give --records")
        }
        try KeyChoice.choose(in: &model, records: record, path: keyPath)
        self.name = name
        let samples = census.files.count
        schemaText = DraftText.schema(model, recordType: recordType, samples: samples)
        mappingText = DraftText.mapping(
            model, name: name, schemaFile: "\(name).yaml", recordType: recordType, records: records, samples: samples)
        let key = model.key.map { model.classes[0].fields[$0] }
        decisions = [
            "records: \(census.path(of: record)): \(records.reason)",
            key.map { "key: \($0.name) (\($0.path)): " + ($0.notes.first ?? "") } ?? "",
        ].filter { !$0.isEmpty }
    }

    /// Samples larger than this are not copied into fixture cases.
    public static let fixtureLimit = 1 << 20

    /// What writing a draft into a project directory did.
    public struct Outcome {
        /// The files written, relative to the directory.
        public var written: [String] = []
        /// Samples not made fixture cases (too large, or not a file).
        public var skippedSamples: [String] = []
        /// Problems loading the draft back: a flaw of the draft, reported as such.
        public var loadDiagnostics: [Diagnostic] = []
        /// Records of the samples the drafted mapping rejects.
        public var rejected = 0
        /// Records the drafted mapping converts in the fixture cases.
        public var converted = 0
    }

    /// Writes the schema, the mapping and one fixture case per sample file (its expected output
    /// produced by the drafted mapping) into `directory`, then loads the draft back.
    public func write(to directory: URL, samples: [String]) throws -> Outcome {
        var outcome = Outcome()
        let manager = FileManager.default
        for (file, text) in [(schemaFile, schemaText), (mappingFile, mappingText)] {
            let url = directory.appendingPathComponent(file)
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
            outcome.written.append(file)
        }
        var loader = ProjectLoader()
        guard let mapping = loader.mapping(directory.appendingPathComponent(mappingFile).path) else {
            outcome.loadDiagnostics = loader.diagnostics.diagnostics.filter { $0.severity != .note }
            return outcome
        }
        let fixtures = directory.appendingPathComponent("Tests/Fixtures/\(name)")
        var caseNames: Set<String> = []
        for sample in samples {
            let size = (try? manager.attributesOfItem(atPath: sample)[.size] as? Int) ?? nil
            guard sample != "-", let size, size <= Self.fixtureLimit,
                (try? manager.attributesOfItem(atPath: sample)[.type] as? FileAttributeType) == .typeRegular
            else {
                outcome.skippedSamples.append(sample)
                continue
            }
            let stem = URL(fileURLWithPath: sample).deletingPathExtension().lastPathComponent
            let caseName = DraftNaming.unique(
                String(stem.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" }), in: caseNames,
                separator: "-")
            caseNames.insert(caseName)
            let caseDirectory = fixtures.appendingPathComponent(caseName)
            try manager.createDirectory(at: caseDirectory, withIntermediateDirectories: true)
            try Data(contentsOf: URL(fileURLWithPath: sample)).write(
                to: caseDirectory.appendingPathComponent("input.xml"))
            let result = try FixtureRunner(mapping: mapping).run(caseDirectory, update: true)
            let rejects = result.comparisons.first { $0.file == "rejects.ndjson" }?.actual ?? []
            outcome.rejected += rejects.filter { $0 == 0x0A }.count
            outcome.converted += result.recordsOut - rejects.filter { $0 == 0x0A }.count
            outcome.loadDiagnostics += result.problems
            for file in ["input.xml", "output.ndjson", "rejects.ndjson"]
            where manager.fileExists(atPath: caseDirectory.appendingPathComponent(file).path) {
                outcome.written.append("Tests/Fixtures/\(name)/\(caseName)/\(file)")
            }
        }
        return outcome
    }
}
