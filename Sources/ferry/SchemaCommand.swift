import ArgumentParser
import FerryConvert
import FerryCore

/// `ferry schema`: work with the record schemas.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Export record schemas for other tools, and compare schema versions.",
        subcommands: [Export.self, Diff.self]
    )

    /// `ferry schema export`: JSON Schema 2020-12 for record types.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write JSON Schema 2020-12 for canonical records, envelope included.",
            discussion: """
                With TYPE, writes that record type's schema; without, one schema per line for every \
                type in --schemas. Rules JSON Schema cannot express (date comparisons) are listed in \
                each schema's description and checked by `ferry validate`. Exit status: 0; 64 unknown \
                type; 78 a schema is invalid.
                """
        )

        @Option(help: "The export format (json-schema).")
        var format: ExportFormat = .jsonSchema

        @Option(help: "The directory of schema files.")
        var schemas = "schemas"

        @Argument(help: "A record type, such as personnel.record.")
        var type: String?

        enum ExportFormat: String, ExpressibleByArgument {
            case jsonSchema = "json-schema"
        }

        func run() throws {
            try runCommand { output, errors in
                var loader = ProjectLoader()
                let loaded = loader.schemas(inDirectory: schemas)
                guard !loader.diagnostics.hasErrors else {
                    errors.write(loader.renderedDiagnostics(minimum: .warning) + "\n")
                    throw ExitCode(ExitStatus.configuration.rawValue)
                }
                let selected = type.map { wanted in loaded.filter { $0.recordType == wanted } } ?? loaded
                if let type, selected.isEmpty {
                    let known = loaded.map(\.recordType).joined(separator: ", ")
                    errors.write("error: no schema for record type \(type); known types: \(known)\n")
                    throw ExitCode(ExitStatus.usage.rawValue)
                }
                for schema in selected {
                    output.write(JSONWriter().bytes(JSONSchemaExporter.export(schema)))
                    output.write("\n")
                }
            }
        }
    }

    /// `ferry schema diff`: compatible and breaking changes between two versions of a schema.
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every change between two versions of a schema as compatible or breaking.",
            discussion: """
                Prints one line per change: compatible, flagged (compatible, worth a reviewer's eye: a \
                raised marking) or breaking (a record valid before can be invalid now, or a field is \
                released more widely). Exit status: 0; 1 breaking changes without a new major version; \
                64 the two schemas describe different record types; 78 a schema is invalid.
                """
        )

        @Argument(help: "The old schema file.")
        var old: String

        @Argument(help: "The new schema file.")
        var new: String

        func run() throws {
            try runCommand { output, errors in
                var loader = ProjectLoader()
                let before = loader.schema(at: old)
                let after = loader.schema(at: new)
                guard let before, let after else {
                    errors.write(loader.renderedDiagnostics(minimum: .warning) + "\n")
                    throw ExitCode(ExitStatus.configuration.rawValue)
                }
                guard before.recordType == after.recordType else {
                    errors.write(
                        "ferry schema diff: error: \(old) describes \(before.recordType) and \(new) "
                            + "\(after.recordType): diff compares two versions of one record type\n")
                    throw ExitCode(ExitStatus.usage.rawValue)
                }
                let changes = SchemaDiff.compare(before, after)
                for change in changes { output.write(change.description + "\n") }
                let breaking = changes.filter { $0.kind == .breaking }.count
                output.write(
                    "\(counted(changes.count, "change")), \(breaking) breaking; "
                        + "version \(before.version) → \(after.version)\n")
                if breaking > 0 && after.majorVersion <= before.majorVersion {
                    errors.write(
                        "\(new): error: \(counted(breaking, "breaking change")) \(breaking == 1 ? "needs" : "need") a new major version "
                            + "(\(before.majorVersion) → \(before.majorVersion + 1)) [schema.breaking-change]\n")
                    throw ExitCode(ExitStatus.rejects.rawValue)
                }
            }
        }
    }
}
