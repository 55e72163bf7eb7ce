import FerryCore
import Testing

/// A YAML-like document written in Swift, turned into the located nodes the loaders read: each
/// node gets a line of its own, in order, so diagnostics can be checked for their place.
indirect enum Tree: ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    case scalar(String)
    case list([Tree])
    case map([(String, Tree)])

    init(stringLiteral value: String) { self = .scalar(value) }
    init(arrayLiteral elements: Tree...) { self = .list(elements) }
    init(dictionaryLiteral elements: (String, Tree)...) { self = .map(elements) }

    /// The tree as nodes of `path`, numbered from line 1.
    func node(path: String = "schema.yaml") -> DocumentNode {
        var line = 0
        return node(path: path, line: &line)
    }

    private func node(path: String, line: inout Int) -> DocumentNode {
        line += 1
        let location = DocumentLocation(path: path, line: line, column: 1)
        switch self {
        case .scalar(let text):
            return DocumentNode(.scalar(text, .plain), at: location)
        case .list(let items):
            return DocumentNode(.sequence(items.map { $0.node(path: path, line: &line) }), at: location)
        case .map(let pairs):
            return DocumentNode(
                .mapping(
                    pairs.map { key, value in
                        // A key stands on its value's line, as `key: value` does.
                        let valueNode = value.node(path: path, line: &line)
                        return DocumentNode.Pair(
                            key: DocumentNode(.scalar(key, .plain), at: valueNode.location), value: valueNode)
                    }), at: location)
        }
    }
}

/// The schema loader and the validator of canonical records, on their own: what a schema says
/// is what a record is checked against, and a mistake in a schema is reported where it is.
struct SchemaAndValidatorTests {
    static func schema(priority: Tree = ["range": "integer", "required": "true", "minimum_value": "1"]) -> Tree {
        schema(attributes: [
            ("request_id", ["identifier": "true", "required": "true", "range": "string"]), ("priority", priority),
            ("unit", ["range": "string", "annotations": ["ferry_marking": "secret"]]),
        ])
    }

    /// A schema of `test.request` records, marked internal, with these fields (and enums).
    static func schema(attributes: [(String, Tree)], enums: [(String, Tree)] = []) -> Tree {
        var top: [(String, Tree)] = [
            ("id", "urn:test"), ("name", "test"), ("version", "1.0.0"),
            (
                "classes",
                [
                    "Request": [
                        "tree_root": "true",
                        "annotations": ["ferry_record_type": "test.request", "ferry_marking": "internal"],
                        "attributes": .map(attributes),
                    ]
                ]
            ),
        ]
        if !enums.isEmpty { top.append(("enums", .map(enums))) }
        return .map(top)
    }

    static func load(_ tree: Tree) -> (Schema?, DiagnosticList) {
        var diagnostics = DiagnosticList()
        let schema = SchemaLoader().load(tree.node(), diagnostics: &diagnostics)
        return (schema, diagnostics)
    }

    @Test func aSchemaLoadsWithItsKeyMarkingsAndConstraints() throws {
        let (loaded, diagnostics) = Self.load(Self.schema())
        #expect(!diagnostics.hasErrors, "\(diagnostics.diagnostics)")
        let schema = try #require(loaded)
        #expect(schema.recordType == "test.request")
        #expect(schema.keyField == "request_id")
        #expect(schema.root.fields.map(\.name) == ["request_id", "priority", "unit"])
        let fields = Dictionary(uniqueKeysWithValues: schema.root.fields.map { ($0.name, $0) })
        #expect(fields["unit"]?.marking == .secret)
        #expect(fields["priority"]?.minimum?.text == "1")
        #expect(fields["priority"]?.isRequired == true && fields["unit"]?.isRequired == false)
    }

    @Test func anUnknownKeyIsReportedAtItsLineWithASuggestion() throws {
        let (_, diagnostics) = Self.load(
            Self.schema(priority: ["range": "integer", "requird": "true"]))
        let unknown = try #require(diagnostics.diagnostics.first { $0.code == "yaml.unknown-key" })
        #expect(unknown.message.contains("'requird'") && unknown.message.contains("did you mean 'required'?"))
        #expect(unknown.location?.path == "schema.yaml")
        #expect((unknown.location?.line ?? 0) > 1)
    }

    @Test func theValidatorNamesEachProblemByItsPointer() throws {
        let schema = try #require(Self.load(Self.schema()).0)
        let validator = try RecordValidator(schema: schema, patternCompiler: RegexPatterns())
        #expect(validator.validate(JSONObject([("request_id", .string("r-1")), ("priority", .integer(2))])).isEmpty)
        let problems = validator.validate(JSONObject([("request_id", .string("r-1")), ("priority", .integer(0))]))
        #expect(problems.map(\.pointer) == ["/data/priority"])
        let missing = validator.validate(JSONObject([("priority", .integer(1))]))
        #expect(missing.map(\.code) == ["record.required"])
        #expect(missing.map(\.pointer) == ["/data/request_id"])
        let wrongType = validator.validate(
            JSONObject([("request_id", .string("r-1")), ("priority", .string("high"))]))
        #expect(wrongType.map(\.pointer) == ["/data/priority"])
    }
}
