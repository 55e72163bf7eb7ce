import FerryConvert
import FerryCore
import FerryTesting
import Foundation
import Testing

/// Broken schemas and mappings, one fault each, with the exact `path:line:column` and code
/// the maintainer is told.
struct LoaderDiagnosticsTests {
    /// A valid schema to which each case applies one edit.
    static let schema = """
        id: urn:ferry:schema:test.record
        name: test_record
        version: 2.1.0
        classes:
          TestRecord:
            tree_root: true
            annotations:
              ferry_record_type: test.record
              ferry_marking: internal
            attributes:
              код:
                identifier: true
                required: true
                pattern: "^[А-Я]{2}$"
              when:
                range: date
              count:
                range: integer
              state:
                range: State
        enums:
          State:
            permissible_values:
              open: {}
              closed: {}

        """

    /// A valid mapping for that schema.
    static let mapping = """
        ferry_mapping: 1
        name: test
        schema: schema.yaml
        source: urn:ferry:system:test
        direction: read
        xml:
          records: Корень/Запись
        fields:
          код: "@Код"
          when: { path: Дата, date: DD.MM.YYYY }
          count: Число
          state: { path: Состояние, code: states }
        codes:
          states:
            values:
              открыт: open
              закрыт: closed

        """

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let file: String  // "schema.yaml" or "mapping.yaml"
        let replace: String
        let with: String
        let expected: String  // "file:line:column [code]"
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "yaml syntax", file: "schema.yaml", replace: "name: test_record", with: "name: [test_record",
            expected: "schema.yaml:3:8 [yaml.syntax]"),
        Case(
            name: "duplicate key", file: "schema.yaml", replace: "version: 2.1.0", with: "version: 2.1.0\nname: again",
            expected: "schema.yaml:4:1 [yaml.duplicate-key]"),
        Case(
            name: "unknown key after Cyrillic", file: "schema.yaml", replace: "        pattern: \"^[А-Я]{2}$\"",
            with: "        pattern: \"^[А-Я]{2}$\"\n        requird: true",
            expected: "schema.yaml:15:9 [yaml.unknown-key]"),
        Case(
            name: "unknown range", file: "schema.yaml", replace: "range: State", with: "range: Stat",
            expected: "schema.yaml:20:16 [schema.unknown-range]"),
        Case(
            name: "bad marking", file: "schema.yaml", replace: "ferry_marking: internal",
            with: "ferry_marking: confidential",
            expected: "schema.yaml:9:22 [schema.marking]"),
        Case(
            name: "pattern that does not compile", file: "schema.yaml", replace: "\"^[А-Я]{2}$\"",
            with: "\"^[А-Я{2}$\"",
            expected: "schema.yaml:14:18 [schema.pattern]"),
        Case(
            name: "unanchored pattern", file: "schema.yaml", replace: "\"^[А-Я]{2}$\"", with: "\"[А-Я]{2}\"",
            expected: "schema.yaml:14:18 [schema.pattern]"),
        Case(
            name: "wrong value kind", file: "schema.yaml", replace: "        required: true",
            with: "        required: [true]",
            expected: "schema.yaml:13:19 [yaml.kind]"),
        Case(
            name: "no identifier", file: "schema.yaml", replace: "        identifier: true\n", with: "",
            expected: "schema.yaml:6:5 [schema.identifier]"),
        Case(
            name: "pattern on a number", file: "schema.yaml", replace: "        range: integer",
            with: "        range: integer\n        pattern: \"^1$\"",
            expected: "schema.yaml:19:18 [schema.constraint-type]"),
        Case(
            name: "mapping targets a missing field", file: "mapping.yaml", replace: "  count: Число",
            with: "  cont: Число",
            expected: "mapping.yaml:11:3 [mapping.unknown-field]"),
        Case(
            name: "required field unmapped", file: "mapping.yaml", replace: "  код: \"@Код\"\n", with: "",
            expected: "mapping.yaml:9:3 [mapping.unmapped-required]"),
        Case(
            name: "date parser into an integer", file: "mapping.yaml", replace: "  count: Число",
            with: "  count: { path: Число, date: DD.MM.YYYY }", expected: "mapping.yaml:11:10 [mapping.parser-type]"),
        Case(
            name: "code table result not in enum", file: "mapping.yaml", replace: "закрыт: closed",
            with: "закрыт: shut",
            expected: "mapping.yaml:17:15 [mapping.code-not-in-enum]"),
        Case(
            name: "unknown code table", file: "mapping.yaml", replace: "code: states", with: "code: statez",
            expected: "mapping.yaml:12:35 [mapping.unknown-code-table]"),
        Case(
            name: "bad date pattern", file: "mapping.yaml", replace: "date: DD.MM.YYYY", with: "date: DD.MM",
            expected: "mapping.yaml:10:29 [mapping.date-pattern]"),
        Case(
            name: "XPath that does not compile", file: "mapping.yaml", replace: "  count: Число",
            with: "  count: { xpath: \"count(//Число\" }", expected: "mapping.yaml:11:19 [mapping.xpath]"),
        Case(
            name: "irreversible rule in a writing mapping", file: "mapping.yaml",
            replace: "direction: read\nxml:\n  records: Корень/Запись\nfields:\n  код: \"@Код\"",
            with: "direction: both\nxml:\n  records: Корень/Запись\nfields:\n  код: { xpath: \"string(@Код)\" }",
            expected: "mapping.yaml:9:8 [mapping.irreversible]"),
        Case(
            name: "undeclared prefix", file: "mapping.yaml", replace: "records: Корень/Запись",
            with: "records: k:Корень/Запись",
            expected: "mapping.yaml:7:12 [mapping.unknown-prefix]"),
        Case(
            name: "unknown mapping key", file: "mapping.yaml", replace: "direction: read", with: "direcion: read",
            expected: "mapping.yaml:5:1 [yaml.unknown-key]"),
        Case(
            name: "rule names an unknown field", file: "schema.yaml", replace: "        range: State\n",
            with:
                "        range: State\n    rules:\n      - preconditions:\n          slot_conditions:\n            stat:\n              equals_string: open\n        postconditions:\n          slot_conditions:\n            when:\n              required: true\n",
            expected: "schema.yaml:24:13 [schema.unknown-field]"),
        Case(
            name: "enum without values", file: "schema.yaml",
            replace: "    permissible_values:\n      open: {}\n      closed: {}",
            with: "    permissible_values: {}", expected: "schema.yaml:23:25 [schema.enum-empty]"),
        Case(
            name: "cardinality on a single value", file: "schema.yaml", replace: "        range: date",
            with: "        range: date\n        minimum_cardinality: 1",
            expected: "schema.yaml:17:30 [schema.cardinality]"),
        Case(
            name: "two lower bounds", file: "schema.yaml", replace: "        range: integer",
            with:
                "        range: integer\n        minimum_value: 0\n        annotations:\n          ferry_exclusive_minimum: 0",
            expected: "schema.yaml:21:36 [schema.bounds]"),
        Case(
            name: "comparison with a missing field", file: "schema.yaml", replace: "        range: date",
            with: "        range: date\n        annotations:\n          ferry_not_before: начало",
            expected: "schema.yaml:18:29 [schema.unknown-field]"),
        Case(
            name: "two parsers in one rule", file: "mapping.yaml", replace: "  count: Число",
            with: "  count: { path: Число, integer: true, decimal: true }",
            expected: "mapping.yaml:11:10 [mapping.parser]"),
        Case(
            name: "date-time pattern without an offset", file: "mapping.yaml", replace: "direction: read",
            with: "direction: read\ntime: { path: \"@T\", datetime: DD.MM.YYYY HH:mm }",
            expected: "mapping.yaml:6:31 [mapping.offset]"),
        Case(
            name: "an unknown time zone", file: "mapping.yaml", replace: "direction: read",
            with: "direction: read\ntime: { path: \"@T\", datetime: DD.MM.YYYY HH:mm, zone: Mars/Olympus }",
            expected: "mapping.yaml:6:55 [mapping.zone]"),
        Case(
            name: "a zone without a pattern", file: "mapping.yaml", replace: "direction: read",
            with: "direction: read\ntime: { path: \"@T\", datetime: iso, zone: Europe/Moscow }",
            expected: "mapping.yaml:6:42 [mapping.zone]"),
        Case(
            name: "a zone beside an offset", file: "mapping.yaml", replace: "direction: read",
            with:
                "direction: read\ntime: { path: \"@T\", datetime: DD.MM.YYYY HH:mm, offset: \"@O\", zone: Europe/Moscow }",
            expected: "mapping.yaml:6:57 [mapping.zone]"),
        Case(
            name: "unmapped policy", file: "mapping.yaml", replace: "  records: Корень/Запись",
            with: "  records: Корень/Запись\n  unmapped: complain",
            expected: "mapping.yaml:8:13 [mapping.unmapped-policy]"),
        Case(
            name: "records path ending in an attribute", file: "mapping.yaml", replace: "records: Корень/Запись",
            with: "records: Корень/@Запись", expected: "mapping.yaml:7:12 [mapping.records-path]"),
        Case(
            name: "header path holding the records", file: "mapping.yaml", replace: "  count: Число",
            with: "  count: /Корень", expected: "mapping.yaml:11:10 [mapping.header-path]"),
        Case(
            name: "header path below the records", file: "mapping.yaml", replace: "  count: Число",
            with: "  count: /Корень/Запись/@Число", expected: "mapping.yaml:11:10 [mapping.header-path]"),
        Case(
            name: "ignore path from the root", file: "mapping.yaml", replace: "  records: Корень/Запись",
            with: "  records: Корень/Запись\n  ignore: [/Корень/Запись/X]", expected: "mapping.yaml:8:12 [mapping.path]"
        ),
        Case(
            name: "wildcard inside a name", file: "mapping.yaml", replace: "  records: Корень/Запись",
            with: "  records: Корень/Запись\n  ignore: [Подпись, \"Пр*\"]", expected: "mapping.yaml:8:21 [mapping.path]"
        ),
        Case(
            name: "attribute wildcard before the end", file: "mapping.yaml", replace: "  records: Корень/Запись",
            with: "  records: Корень/Запись\n  ignore: [\"@*/X\"]", expected: "mapping.yaml:8:12 [mapping.path]"),
        Case(
            name: "xpath with a prefix of several namespaces", file: "mapping.yaml",
            replace: "xml:\n  records: Корень/Запись\nfields:\n  код: \"@Код\"",
            with:
                "xml:\n  namespaces: { t: [urn:a, \"\"] }\n  records: Корень/Запись\nfields:\n  код: { xpath: \"string(t:К)\" }",
            expected: "mapping.yaml:10:17 [mapping.xpath-namespace]"),
        Case(
            name: "a prefix bound to an empty list", file: "mapping.yaml", replace: "xml:\n  records: Корень/Запись",
            with: "xml:\n  namespaces: { t: [] }\n  records: Корень/Запись",
            expected: "mapping.yaml:7:20 [mapping.unknown-prefix]"),
        Case(
            name: "undeclared prefix in ignore", file: "mapping.yaml", replace: "  records: Корень/Запись",
            with: "  records: Корень/Запись\n  ignore: [\"**/q:X\"]",
            expected: "mapping.yaml:8:12 [mapping.unknown-prefix]"),
    ]

    @Test func theUneditedFilesLoadCleanly() throws {
        let (diagnostics, mapping) = try load(schema: Self.schema, mapping: Self.mapping)
        #expect(diagnostics.filter { $0.severity == .error }.isEmpty, "\(diagnostics)")
        #expect(mapping != nil)
    }

    @Test(arguments: cases)
    func reportsTheFaultWhereItIs(_ fault: Case) throws {
        let source = fault.file == "schema.yaml" ? Self.schema : Self.mapping
        #expect(source.contains(fault.replace), "the case's edit does not apply")
        let edited = source.replacingOccurrences(of: fault.replace, with: fault.with)
        let (diagnostics, mapping) = try load(
            schema: fault.file == "schema.yaml" ? edited : Self.schema,
            mapping: fault.file == "mapping.yaml" ? edited : Self.mapping)
        let rendered = diagnostics.map { d in
            "\(d.location.map { "\(URL(fileURLWithPath: $0.path).lastPathComponent):\($0.line):\($0.column)" } ?? "-") [\(d.code)]"
        }
        #expect(rendered.contains(fault.expected), "\(diagnostics.map(\.description).joined(separator: "\n"))")
        #expect(mapping == nil, "a mapping with an error must not load")
    }

    @Test func reportsEveryProblemInOneRun() throws {
        let broken = Self.mapping
            .replacingOccurrences(of: "  count: Число", with: "  cont: Число")
            .replacingOccurrences(of: "code: states", with: "code: statez")
        let (diagnostics, _) = try load(schema: Self.schema, mapping: broken)
        let codes = Set(diagnostics.filter { $0.severity == .error }.map(\.code))
        #expect(codes.isSuperset(of: ["mapping.unknown-field", "mapping.unknown-code-table"]), "\(codes)")
    }

    @Test func rendersTheSourceLineAndACaretUnderTheColumn() throws {
        let broken = Self.mapping.replacingOccurrences(of: "  count: Число", with: "  cont: Число")
        let directory = try Self.write(schema: Self.schema, mapping: broken)
        var loader = ProjectLoader()
        _ = loader.mapping(directory.appendingPathComponent("mapping.yaml").path)
        let rendered = loader.renderedDiagnostics(minimum: .error)
        #expect(
            rendered.contains(
                "mapping.yaml:11:3: error: field cont is not in TestRecord; did you mean 'count'? [mapping.unknown-field]\n  cont: Число\n  ^"
            ),
            "\(rendered)")
    }

    private func load(schema: String, mapping: String) throws -> ([Diagnostic], Mapping?) {
        let directory = try Self.write(schema: schema, mapping: mapping)
        var loader = ProjectLoader()
        let loaded = loader.mapping(directory.appendingPathComponent("mapping.yaml").path)
        return (loader.diagnostics.diagnostics, loaded)
    }

    static func write(schema: String, mapping: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ferry-loader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(schema.utf8).write(to: directory.appendingPathComponent("schema.yaml"))
        try Data(mapping.utf8).write(to: directory.appendingPathComponent("mapping.yaml"))
        return directory
    }
}
