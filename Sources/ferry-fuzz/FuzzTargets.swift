// Fuzz targets for Ferry's readers, for libFuzzer (`scripts/fuzz.sh TARGET SECONDS` builds this
// with -sanitize=fuzzer,address -DFUZZING) and, in a normal build, a replayer that runs files
// through the same target: `ferry-fuzz TARGET FILE…` (the regression test replays the corpora).
//
// Targets: xml-records (the record reader and the mapping walk with format A's mapping), json (the JSON
// reader), yaml (the YAML loader and core-schema typing), mapping (the mapping loader).
import FerryConvert
import FerryCore
import FerryXML
import FerryYAML
import Foundation

/// Everything a target needs, loaded once from the repository (run from its root).
final class FuzzContext: @unchecked Sendable {  // created once before any input; read-only afterwards
    static let shared = FuzzContext()
    let mapping: Mapping
    let schema: Schema
    /// The mapping compiled against its schema.
    let plan: MappingPlan

    private init() {
        var loader = ProjectLoader()
        guard let mapping = loader.mapping("mappings/kadry-personnel.yaml") else {
            fatalError("run from the repository root: \(loader.renderedDiagnostics())")
        }
        self.mapping = mapping
        schema = mapping.schema
        guard let validator = try? RecordValidator(schema: schema, patternCompiler: ProjectLoader.patternCompiler)
        else { fatalError("a pattern of \(schema.path) does not compile") }
        plan = MappingPlan(mapping: mapping, validator: validator, source: mapping.source)
    }
}

/// Runs one input through a target.
///
/// Every input is acceptable: errors are the expected outcome; only a crash, a hang or a sanitizer
/// report is a finding.
func runTarget(_ target: String, _ bytes: [UInt8]) {
    switch target {
    case "xml-records":
        let context = FuzzContext.shared
        let reader = XMLRecordReader(
            input: MemoryByteStream(bytes), path: "fuzz.xml", recordPath: context.mapping.xml.recordPath)
        var lines: [UInt8] = []
        var output = CanonicalBytesOutput()
        while let record = try? reader.next() {
            let selector = reader.selector(xpaths: nil)
            if !context.plan.appendLine(of: record.node, with: selector, headerTime: nil, to: &lines, output: &output) {
                _ = context.plan.problems(of: record.node, with: selector, headerTime: nil)
            }
            lines.removeAll(keepingCapacity: true)
            _ = reader.text(of: record)
        }
    case "json":
        if let value = try? JSONParser.parseDocument(bytes, rejectsDuplicateNames: false) {
            _ = JSONWriter(form: .canonical).bytes(value)
        }
    case "yaml":
        if let documents = try? YAMLLoader.loadAll(bytes, path: "fuzz.yaml") {
            for document in documents { _ = try? YAMLCoreSchema.jsonValue(document) }
        }
    case "mapping":
        guard let document = try? YAMLLoader.loadAll(bytes, path: "fuzz.yaml").first else { return }
        var diagnostics = DiagnosticList()
        _ = MappingLoader().load(document, schema: FuzzContext.shared.schema, diagnostics: &diagnostics)
    default:
        fatalError("unknown fuzz target \(target); use xml-records, json, yaml or mapping")
    }
}

#if FUZZING
    let selectedTarget = ProcessInfo.processInfo.environment["FERRY_FUZZ_TARGET"] ?? "json"

    @_silgen_name("LLVMFuzzerRunDriver")
    func runFuzzerDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// libFuzzer's driver, started from Swift's entry point (SwiftPM links executables through it).
    @main
    struct Fuzz {
        static func main() {
            var argc = CommandLine.argc
            var argv = CommandLine.unsafeArgv
            let status = runFuzzerDriver(&argc, &argv) { data, size in
                runTarget(selectedTarget, data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
                return 0
            }
            exit(status)
        }
    }
#else
    /// The replayer: `ferry-fuzz TARGET FILE…` runs each file through the target.
    @main
    struct Replay {
        static func main() {
            let arguments = CommandLine.arguments.dropFirst()
            guard let target = arguments.first else {
                FileHandle.standardError.write(Data("usage: ferry-fuzz TARGET FILE…\n".utf8))
                exit(64)
            }
            for path in arguments.dropFirst() {
                guard let data = FileManager.default.contents(atPath: path) else {
                    FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
                    exit(66)
                }
                runTarget(target, [UInt8](data))
            }
            print("\(target): \(arguments.count - 1) inputs replayed")
        }
    }
#endif
