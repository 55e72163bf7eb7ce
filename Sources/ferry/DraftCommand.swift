import ArgumentParser
import FerryCheck
import FerryConvert
import FerryCore
import FerryXML
import Foundation

/// `ferry draft`: a schema, a mapping and fixture cases drafted from sample exports.
struct DraftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "draft",
        abstract: "Draft a schema, a mapping and fixture cases for a new export format from samples.",
        discussion: """
            Counts every element and attribute path of the samples (streamed), chooses the element \
            that holds one record (or takes --records), infers each value's type (ISO and DD.MM.YYYY \
            dates, date-times, decimals with a point or a comma and grouping, integers, booleans; \
            digits with a leading zero or more than 7 of them stay text), groups namespaces that stand \
            in for each other at the same paths under one prefix, and picks a key present once in every \
            record and unique across the samples. Writes schemas/NAME.yaml, mappings/NAME.yaml and \
            Tests/Fixtures/NAME/<sample>/ into --out, whose expected output is what the draft gives. \
            What the samples cannot settle (the key, required fields, markings: the most restrictive \
            until lowered) is marked REVIEW in comments. Then refine by hand and run ferry check.

            Exit status: 0 drafted; 1 drafted, but the draft rejects sample records or does not load \
            (a flaw of ferry draft: please report it); 64 usage (--out not empty without --force); \
            65 a sample is not well-formed, or no draft can be made from the samples; 66 a sample \
            cannot be opened; 73 --out cannot be written.
            """
    )

    @Option(help: "The record type the schema defines, such as procurement.contract.")
    var type: String

    @Option(help: "The project directory to write into; must be empty unless --force.")
    var out: String

    @Option(help: "Local names from the root to the element that holds one record (default: chosen).")
    var records: String?

    @Option(help: "The key's path below the record element (default: chosen).")
    var key: String?

    @Option(help: "The mapping's name (default: the record type with - for .).")
    var name: String?

    @Flag(help: "Write into --out even when it is not empty, replacing the draft's files.")
    var force = false

    @Argument(help: "Sample exports (files, ZIP archives, or - for standard input).")
    var samples: [String] = []

    func validate() throws {
        if samples.isEmpty { throw ValidationError("give at least one sample export") }
    }

    func run() throws {
        try runCommand { _, errors in
            let directory = URL(fileURLWithPath: out)
            let existing = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
            if !existing.isEmpty && !force {
                errors.write("ferry draft: \(out) is not empty; give an empty directory, or --force to write into it\n")
                throw ExitCode(ExitStatus.usage.rawValue)
            }
            var census = PathCensus()
            var report = ConversionReport()
            InputSet(paths: samples).forEach(report: &report) { document, report in
                do throws(XMLReadError) {
                    try XMLCensusReader.add(document.stream, path: document.displayPath, to: &census)
                } catch {
                    report.malformed.append(error.diagnostic)
                }
            }
            for problem in report.unopenable + report.malformed { errors.write("ferry: \(problem)\n") }
            if !report.unopenable.isEmpty { throw ExitCode(ExitStatus.noInput.rawValue) }
            if !report.malformed.isEmpty { throw ExitCode(ExitStatus.dataError.rawValue) }
            let draft: ProjectDraft
            do {
                draft = try ProjectDraft(
                    census: census, recordType: type, name: name, recordsPath: records, keyPath: key)
            } catch {
                errors.write("ferry draft: \(error)\n")
                throw ExitCode(ExitStatus.dataError.rawValue)
            }
            let outcome: ProjectDraft.Outcome
            do {
                outcome = try draft.write(to: directory, samples: samples)
            } catch {
                errors.write("ferry draft: cannot write into \(out): \(error.localizedDescription)\n")
                throw ExitCode(ExitStatus.cannotCreate.rawValue)
            }
            for decision in draft.decisions { errors.write("ferry draft: \(decision)\n") }
            for file in outcome.written { errors.write("ferry draft: wrote \(out)/\(file)\n") }
            for sample in outcome.skippedSamples {
                errors.write(
                    "ferry draft: \(sample) is not a file of at most \(ProjectDraft.fixtureLimit >> 20) MiB: no fixture case made of it\n"
                )
            }
            for problem in outcome.loadDiagnostics { errors.write("ferry draft: \(problem)\n") }
            if outcome.rejected > 0 {
                errors.write(
                    "ferry draft: the draft rejects \(counted(outcome.rejected, "record")) of the samples; see rejects.ndjson in the fixture cases\n"
                )
            }
            if outcome.rejected > 0 || !outcome.loadDiagnostics.isEmpty { throw ExitCode(ExitStatus.rejects.rawValue) }
            errors.write(
                "ferry draft: \(counted(outcome.converted, "record")) converted; review the lines marked REVIEW, then run ferry check in \(out)\n"
            )
        }
    }
}
