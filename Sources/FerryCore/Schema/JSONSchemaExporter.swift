/// Exports a record type as JSON Schema 2020-12, envelope included, so other agencies can
/// validate canonical records with their own tools.
///
/// Every constraint JSON Schema can express is carried (types, patterns, lengths, bounds,
/// enums, required fields, `if`/`then` for conditional rules and the classification a marking
/// rule implies). Fraction digits go in the vendor keyword `x-ferry-maxFractionDigits` with a
/// `$comment`, since `multipleOf` fails valid decimals under binary floats; comparisons between
/// fields (`ferry_not_before`) cannot be expressed and are listed in `description`, checked by
/// `ferry validate`.
public enum JSONSchemaExporter {
    /// The vendor keyword for a decimal's largest number of fraction digits.
    public static let fractionDigitsKeyword = "x-ferry-maxFractionDigits"

    /// The JSON Schema of a record type's canonical records.
    public static func export(_ schema: Schema) -> JSONValue {
        var definitions = JSONObject()
        var comparisons: [String] = []
        addDefinition(schema.root, into: &definitions, comparisons: &comparisons, owner: "data")

        var dataSchema = JSONObject([("$ref", .string("#/$defs/\(schema.root.name)"))])
        let conditionals = schema.rules.map { rule -> JSONValue in
            .object(
                JSONObject([
                    ("if", .object(conditionSchema(rule.preconditions))),
                    ("then", .object(conditionSchema(rule.postconditions))),
                ]))
        }
        if !conditionals.isEmpty { dataSchema["allOf"] = .array(conditionals) }

        var properties = JSONObject()
        properties["specversion"] = .object(JSONObject([("const", .string("1.0"))]))
        properties["type"] = .object(JSONObject([("const", .string(schema.recordType))]))
        properties["source"] = .object(
            JSONObject([
                ("type", .string("string")), ("format", .string("uri")),
                ("minLength", .integer(1)),
            ]))
        properties["subject"] = .object(JSONObject([("type", .string("string"))]))
        properties["id"] = .object(JSONObject([("type", .string("string")), ("pattern", .string("^[0-9a-f]{64}$"))]))
        properties["dataschema"] = .object(JSONObject([("const", .string(schema.dataschema))]))
        properties["time"] = .object(JSONObject([("type", .string("string")), ("format", .string("date-time"))]))
        properties["datacontenttype"] = .object(JSONObject([("const", .string("application/json"))]))
        properties["classification"] = .object(
            JSONObject([("enum", .array(Marking.allCases.map { .string($0.rawValue) }))]))
        properties["data"] = .object(dataSchema)

        var envelope = JSONObject()
        envelope["$schema"] = .string("https://json-schema.org/draft/2020-12/schema")
        envelope["$id"] = .string(schema.dataschema)
        envelope["title"] = .string(schema.recordType)
        var description =
            "Canonical \(schema.recordType) records, schema version \(schema.version). Numbers are exact decimals "
            + "as written: read them as decimals, not binary floats; \(fractionDigitsKeyword) bounds the digits "
            + "after the decimal point, which no standard keyword counts."
        if !comparisons.isEmpty {
            description +=
                " Checked by `ferry validate` but not expressible here: "
                + comparisons.joined(separator: "; ") + "."
        }
        envelope["description"] = .string(description)
        envelope["type"] = .string("object")
        envelope["required"] = .array(
            [
                "specversion", "type", "source", "subject", "id", "dataschema",
                "datacontenttype", "classification", "data",
            ].map(JSONValue.string))
        envelope["properties"] = .object(properties)
        // CloudEvents extension attributes: lower-case letters and digits.
        envelope["patternProperties"] = .object(JSONObject([("^[a-z0-9]{1,20}$", .object(JSONObject()))]))
        envelope["additionalProperties"] = .bool(false)
        envelope["allOf"] = .array(classificationRules(schema))
        envelope["$defs"] = .object(definitions)
        return .object(envelope)
    }

    /// `classification` as the schema's marking rules decide it from the data.
    private static func classificationRules(_ schema: Schema) -> [JSONValue] {
        guard !schema.markingRules.isEmpty else { return [.object(classification(schema.defaultMarking))] }
        return schema.markingRules.map { rule in
            let condition = JSONObject([
                ("properties", .object(JSONObject([("data", .object(conditionSchema(rule.conditions)))]))),
                ("required", .array([.string("data")])),
            ])
            let raised = max(rule.marking, schema.defaultMarking)
            return .object(
                JSONObject([
                    ("if", .object(condition)),
                    ("then", .object(classification(raised))),
                    ("else", .object(classification(schema.defaultMarking))),
                ]))
        }
    }

    private static func classification(_ marking: Marking) -> JSONObject {
        JSONObject([
            (
                "properties",
                .object(JSONObject([("classification", .object(JSONObject([("const", .string(marking.rawValue))])))]))
            )
        ])
    }

    private static func conditionSchema(_ conditions: [SlotCondition]) -> JSONObject {
        var properties = JSONObject()
        var required: [JSONValue] = []
        var forbidden: [JSONValue] = []
        for condition in conditions {
            switch condition.test {
            case .present:
                required.append(.string(condition.field))
            case .absent:
                forbidden.append(.object(JSONObject([("required", .array([.string(condition.field)]))])))
            case .equalsString(let text):
                required.append(.string(condition.field))
                let value: JSONValue = text == "true" ? .bool(true) : text == "false" ? .bool(false) : .string(text)
                properties[condition.field] = .object(JSONObject([("const", value)]))
            case .equalsNumber(let number):
                required.append(.string(condition.field))
                properties[condition.field] = .object(JSONObject([("const", .number(number))]))
            }
        }
        var schema = JSONObject()
        if !properties.isEmpty { schema["properties"] = .object(properties) }
        if !required.isEmpty { schema["required"] = .array(required) }
        if !forbidden.isEmpty { schema["not"] = .object(JSONObject([("anyOf", .array(forbidden))])) }
        return schema
    }

    private static func addDefinition(
        _ type: ObjectType, into definitions: inout JSONObject, comparisons: inout [String], owner: String
    ) {
        guard definitions[type.name] == nil else { return }
        definitions[type.name] = .object(JSONObject())  // reserve the name against recursion
        var properties = JSONObject()
        var required: [JSONValue] = []
        for field in type.fields {
            var fieldSchema = valueSchema(field, definitions: &definitions, comparisons: &comparisons, owner: owner)
            if field.isList {
                var list = JSONObject([("type", .string("array")), ("items", .object(fieldSchema))])
                // An empty list is omitted, never written.
                list["minItems"] = .integer(max(1, field.minItems ?? 1))
                if let maxItems = field.maxItems { list["maxItems"] = .integer(maxItems) }
                fieldSchema = list
            }
            fieldSchema["x-ferry-marking"] = .string(field.marking.rawValue)
            properties[field.name] = .object(fieldSchema)
            if field.isRequired { required.append(.string(field.name)) }
            if let other = field.notBefore {
                comparisons.append("\(owner).\(field.name) is not before \(owner).\(other)")
            }
        }
        var definition = JSONObject([("type", .string("object")), ("properties", .object(properties))])
        if !required.isEmpty { definition["required"] = .array(required) }
        definition["additionalProperties"] = .bool(false)
        // An object whose fields are all absent is itself absent.
        definition["minProperties"] = .integer(1)
        definitions[type.name] = .object(definition)
    }

    private static func valueSchema(
        _ field: FieldDefinition, definitions: inout JSONObject, comparisons: inout [String], owner: String
    ) -> JSONObject {
        var schema = JSONObject()
        switch field.type {
        case .string:
            schema["type"] = .string("string")
            if let pattern = field.pattern { schema["pattern"] = .string(pattern) }
            if let minLength = field.minLength { schema["minLength"] = .integer(minLength) }
            if let maxLength = field.maxLength { schema["maxLength"] = .integer(maxLength) }
        case .integer, .decimal:
            schema["type"] = .string(field.type.name == "integer" ? "integer" : "number")
            if let minimum = field.minimum {
                schema[field.minimumIsExclusive ? "exclusiveMinimum" : "minimum"] = .number(minimum)
            }
            if let maximum = field.maximum { schema["maximum"] = .number(maximum) }
            if let digits = field.maxFractionDigits {
                // Not multipleOf 0.01: a validator reading numbers as binary floats finds 10430.37
                // no multiple of 0.01. No keyword counts digits, so Ferry names its own.
                schema[Self.fractionDigitsKeyword] = .integer(digits)
                schema["$comment"] = .string(
                    "at most \(digits) digits after the decimal point, counted in the number as written "
                        + "(\(Self.fractionDigitsKeyword), a Ferry keyword; read numbers as decimals)")
            }
        case .boolean:
            schema["type"] = .string("boolean")
        case .date:
            schema["type"] = .string("string")
            schema["format"] = .string("date")
            schema["pattern"] = .string("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
        case .datetime:
            schema["type"] = .string("string")
            schema["format"] = .string("date-time")
            schema["pattern"] = .string(
                "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$")
        case .enumeration(let e):
            schema["enum"] = .array(e.codes.map(JSONValue.string))
        case .object(let type):
            addDefinition(type, into: &definitions, comparisons: &comparisons, owner: "\(owner).\(field.name)")
            schema["$ref"] = .string("#/$defs/\(type.name)")
        }
        return schema
    }
}
