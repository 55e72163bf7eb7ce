/// Loads a schema file's ``DocumentNode`` into a ``Schema``, reporting every problem with its
/// `path:line:column`.
///
/// The accepted language is a strict LinkML profile: one class with `tree_root: true` is the
/// record, its `annotations` give `ferry_record_type` and `ferry_marking`; attributes use
/// `range`, `required`, `multivalued`, `identifier`, `pattern`, `minimum_value`,
/// `maximum_value`, `minimum_cardinality`, `maximum_cardinality`; Ferry's field additions are
/// annotations (`ferry_marking`, `ferry_min_length`, `ferry_max_length`,
/// `ferry_exclusive_minimum`, `ferry_max_fraction_digits`, `ferry_not_before`).
public struct SchemaLoader {
    static let topKeys = [
        "id", "name", "title", "description", "version", "license", "prefixes", "default_prefix",
        "default_range", "imports", "classes", "enums", "annotations",
    ]
    static let classKeys = ["description", "title", "tree_root", "annotations", "attributes", "rules"]
    static let attributeKeys = [
        "description", "title", "range", "required", "multivalued", "identifier", "pattern", "minimum_value",
        "maximum_value", "minimum_cardinality", "maximum_cardinality", "annotations",
    ]
    static let attributeAnnotations = [
        "ferry_marking", "ferry_min_length", "ferry_max_length", "ferry_exclusive_minimum",
        "ferry_max_fraction_digits", "ferry_not_before",
    ]
    static let ruleKeys = ["description", "preconditions", "postconditions", "annotations"]
    static let conditionKeys = ["equals_string", "equals_number", "value_presence", "required"]
    static let builtinTypes: [String: FieldType] = [
        "string": .string, "integer": .integer, "decimal": .decimal, "boolean": .boolean, "date": .date,
        "datetime": .datetime,
    ]

    private let patternCompiler: (any PatternCompiler)?

    /// Creates a loader; with a pattern compiler it also reports patterns that do not compile.
    public init(patternCompiler: (any PatternCompiler)? = nil) {
        self.patternCompiler = patternCompiler
    }

    /// Loads a schema.
    /// - Parameters:
    ///   - document: the schema file's root node.
    ///   - diagnostics: receives every problem found.
    /// - Returns: the schema, or nil when an error was reported.
    public func load(_ document: DocumentNode, diagnostics: inout DiagnosticList) -> Schema? {
        let path = document.location.path
        var local = DiagnosticList()
        let top = NodeReader(document, context: "a schema", allowed: Self.topKeys, diagnostics: &local)
        _ = top.require("id", diagnostics: &local)
        _ = top.require("name", diagnostics: &local)
        var majorVersion = 0
        let versionText = top.string("version", diagnostics: &local) ?? ""
        if let versionNode = top.require("version", diagnostics: &local) {
            if let major = versionText.split(separator: ".").first.flatMap({ Int($0) }), major >= 0 {
                majorVersion = major
            } else {
                local.error(
                    "schema.version", "version must start with a major number, as in 1.0.0", at: versionNode.location)
            }
        }
        let enums = loadEnums(top["enums"], diagnostics: &local)
        let classNodes = top["classes"].map { NodeReader($0, context: "classes", allowed: [], diagnostics: &local) }

        var rootName: String?
        for name in classNodes?.orderedKeys ?? [] {
            if let node = classNodes?[name], node["tree_root"]?.scalar == "true" {
                if rootName != nil {
                    local.error(
                        "schema.tree-root", "only one class may be the tree_root record class", at: node.location)
                } else {
                    rootName = name
                }
            }
        }
        guard let classNodes, let rootName, let rootNode = classNodes[rootName] else {
            local.error("schema.tree-root", "a schema needs one class with tree_root: true", at: document.location)
            diagnostics.append(contentsOf: local)
            return nil
        }
        let rootReader = NodeReader(
            rootNode, context: "class \(rootName)", allowed: Self.classKeys, diagnostics: &local)
        let annotations = annotationValues(
            rootReader["annotations"], allowed: ["ferry_record_type", "ferry_marking"],
            diagnostics: &local)
        let recordType = annotations["ferry_record_type"]?.scalar ?? ""
        if annotations["ferry_record_type"] == nil {
            local.error(
                "schema.record-type", "the record class needs the annotation ferry_record_type",
                at: rootNode.location)
        }
        let defaultMarking = annotations["ferry_marking"].flatMap { marking($0, diagnostics: &local) } ?? .internal
        if annotations["ferry_marking"] == nil {
            local.error("schema.marking", "the record class needs the annotation ferry_marking", at: rootNode.location)
        }

        var context = ClassContext(classNodes: classNodes, enums: enums, defaultMarking: defaultMarking)
        let root = loadClass(rootName, reader: rootReader, context: &context, diagnostics: &local)
        // Classes that no attribute reaches are almost always a typo in a `range`.
        for name in classNodes.orderedKeys where name != rootName && !context.loading.contains(name) {
            local.warning(
                "schema.unused-class", "class \(name) is not the range of any attribute",
                at: classNodes.keyLocations[name])
        }

        let keyFields = root.fields.filter { fieldIsIdentifier($0, in: rootReader) }
        if keyFields.count != 1 {
            local.error(
                "schema.identifier", "the record class needs exactly one attribute with identifier: true",
                at: rootNode.location)
        }
        var rules: [ConditionalRule] = []
        var markingRules: [MarkingRule] = []
        for ruleNode in rootReader["rules"]?.items ?? [] {
            loadRule(ruleNode, root: root, rules: &rules, markingRules: &markingRules, diagnostics: &local)
        }
        if let rulesNode = rootReader["rules"], rulesNode.items == nil {
            local.error("yaml.kind", "rules must be a list", at: rulesNode.location)
        }
        diagnostics.append(contentsOf: local)
        guard !local.hasErrors else { return nil }
        return Schema(
            recordType: recordType, version: versionText, majorVersion: majorVersion, defaultMarking: defaultMarking,
            keyField: keyFields.first?.name ?? "", root: root, rules: rules, markingRules: markingRules, path: path)
    }

    private func fieldIsIdentifier(_ field: FieldDefinition, in reader: NodeReader) -> Bool {
        reader["attributes"]?[field.name]?["identifier"]?.scalar == "true"
    }

    // MARK: - Classes and attributes

    private struct ClassContext {
        var classNodes: NodeReader
        var enums: [String: EnumDefinition]
        var defaultMarking: Marking
        var loading: Set<String> = []
    }

    private func loadClass(
        _ name: String, reader: NodeReader, context: inout ClassContext, diagnostics: inout DiagnosticList
    ) -> ObjectType {
        context.loading.insert(name)
        var fields: [FieldDefinition] = []
        guard let attributesNode = reader["attributes"] else {
            diagnostics.error("yaml.missing-key", "class \(name) needs 'attributes'", at: reader.node.location)
            return ObjectType(name: name, fields: [])
        }
        let attributes = NodeReader(
            attributesNode, context: "attributes of \(name)", allowed: [], diagnostics: &diagnostics)
        for fieldName in attributes.orderedKeys {
            guard let node = attributes[fieldName] else { continue }
            if let field = loadAttribute(
                fieldName, node: node, owner: name, context: &context, diagnostics: &diagnostics)
            {
                fields.append(field)
            }
        }
        for field in fields {
            guard let other = field.notBefore else { continue }
            let location = attributes[field.name]?["annotations"]?["ferry_not_before"]?.location ?? field.location
            guard let target = fields.first(where: { $0.name == other }) else {
                diagnostics.error(
                    "schema.unknown-field", "ferry_not_before names \(other), which class \(name) lacks",
                    at: location)
                continue
            }
            if !isTemporal(field.type) || !isTemporal(target.type) {
                diagnostics.error(
                    "schema.comparison-type", "ferry_not_before compares dates or date-times only",
                    at: location)
            }
        }
        return ObjectType(name: name, fields: fields)
    }

    private func isTemporal(_ type: FieldType) -> Bool {
        switch type {
        case .date, .datetime: true
        default: false
        }
    }

    private func loadAttribute(
        _ name: String, node: DocumentNode, owner: String, context: inout ClassContext,
        diagnostics: inout DiagnosticList
    ) -> FieldDefinition? {
        let reader = NodeReader(
            node, context: "attribute \(owner).\(name)", allowed: Self.attributeKeys,
            diagnostics: &diagnostics)
        let rangeName = reader.string("range", diagnostics: &diagnostics) ?? "string"
        var type: FieldType
        if let builtin = Self.builtinTypes[rangeName] {
            type = builtin
        } else if let enumeration = context.enums[rangeName] {
            type = .enumeration(enumeration)
        } else if let classNode = context.classNodes[rangeName] {
            if context.loading.contains(rangeName) {
                diagnostics.error(
                    "schema.recursive-class", "class \(rangeName) contains itself", at: reader["range"]?.location)
                return nil
            }
            let classReader = NodeReader(
                classNode, context: "class \(rangeName)", allowed: Self.classKeys,
                diagnostics: &diagnostics)
            type = .object(loadClass(rangeName, reader: classReader, context: &context, diagnostics: &diagnostics))
        } else {
            let known = Array(Self.builtinTypes.keys) + Array(context.enums.keys) + context.classNodes.orderedKeys
            var message = "unknown range '\(rangeName)' for \(owner).\(name)"
            if let suggestion = NodeReader.closest(to: rangeName, among: known) {
                message += "; did you mean '\(suggestion)'?"
            }
            diagnostics.error("schema.unknown-range", message, at: reader["range"]?.location ?? node.location)
            return nil
        }
        let isRequired = reader.bool("required", diagnostics: &diagnostics) ?? false
        let isList = reader.bool("multivalued", diagnostics: &diagnostics) ?? false
        _ = reader.bool("identifier", diagnostics: &diagnostics)
        var constraints = FieldConstraints()
        if let pattern = reader.string("pattern", diagnostics: &diagnostics), let patternNode = reader["pattern"] {
            checkPattern(pattern, at: patternNode.location, diagnostics: &diagnostics)
            constraints.pattern = pattern
        }
        constraints.minimum = reader.decimal("minimum_value", diagnostics: &diagnostics)
        constraints.maximum = reader.decimal("maximum_value", diagnostics: &diagnostics)
        constraints.minItems = reader.integer("minimum_cardinality", diagnostics: &diagnostics)
        constraints.maxItems = reader.integer("maximum_cardinality", diagnostics: &diagnostics)
        if (constraints.minItems != nil || constraints.maxItems != nil) && !isList {
            diagnostics.error(
                "schema.cardinality", "cardinality applies to multivalued attributes only",
                at: reader["minimum_cardinality"]?.location ?? reader["maximum_cardinality"]?.location)
        }
        let annotations = annotationValues(
            reader["annotations"], allowed: Self.attributeAnnotations, diagnostics: &diagnostics)
        var fieldMarking = context.defaultMarking
        if let markingNode = annotations["ferry_marking"], let marking = marking(markingNode, diagnostics: &diagnostics)
        {
            fieldMarking = marking
        }
        func annotation(_ key: String) -> DocumentNode? { annotations[key] }
        constraints.minLength = annotation("ferry_min_length").flatMap {
            NodeReader.integer($0, what: "ferry_min_length", diagnostics: &diagnostics)
        }
        constraints.maxLength = annotation("ferry_max_length").flatMap {
            NodeReader.integer($0, what: "ferry_max_length", diagnostics: &diagnostics)
        }
        constraints.maxFractionDigits = annotation("ferry_max_fraction_digits").flatMap {
            NodeReader.integer($0, what: "ferry_max_fraction_digits", diagnostics: &diagnostics)
        }
        if let exclusiveNode = annotation("ferry_exclusive_minimum"),
            let exclusive = NodeReader.decimal(
                exclusiveNode, what: "ferry_exclusive_minimum", diagnostics: &diagnostics)
        {
            if constraints.minimum != nil {
                diagnostics.error(
                    "schema.bounds", "use either minimum_value or ferry_exclusive_minimum",
                    at: exclusiveNode.location)
            }
            constraints.minimum = exclusive
            constraints.minimumIsExclusive = true
        }
        constraints.notBefore = annotations["ferry_not_before"]?.scalar
        let field = FieldDefinition(
            name: name, type: type, isRequired: isRequired, isList: isList, marking: fieldMarking,
            constraints: constraints, location: node.location)
        checkConstraintKinds(field, reader: reader, annotations: annotations, diagnostics: &diagnostics)
        return field
    }

    private func checkConstraintKinds(
        _ field: FieldDefinition, reader: NodeReader, annotations: [String: DocumentNode],
        diagnostics: inout DiagnosticList
    ) {
        let isNumber: Bool
        let isString: Bool
        switch field.type {
        case .integer, .decimal: (isNumber, isString) = (true, false)
        case .string: (isNumber, isString) = (false, true)
        default: (isNumber, isString) = (false, false)
        }
        if !isNumber {
            for key in ["minimum_value", "maximum_value"] where reader[key] != nil {
                diagnostics.error(
                    "schema.constraint-type", "\(key) applies to numbers, not \(field.type.name)",
                    at: reader[key]?.location)
            }
            for key in ["ferry_exclusive_minimum", "ferry_max_fraction_digits"] where annotations[key] != nil {
                diagnostics.error(
                    "schema.constraint-type", "\(key) applies to numbers, not \(field.type.name)",
                    at: annotations[key]?.location)
            }
        }
        if !isString {
            if reader["pattern"] != nil {
                diagnostics.error(
                    "schema.constraint-type", "pattern applies to strings, not \(field.type.name)",
                    at: reader["pattern"]?.location)
            }
            for key in ["ferry_min_length", "ferry_max_length"] where annotations[key] != nil {
                diagnostics.error(
                    "schema.constraint-type", "\(key) applies to strings, not \(field.type.name)",
                    at: annotations[key]?.location)
            }
        }
    }

    private func checkPattern(_ pattern: String, at location: DocumentLocation, diagnostics: inout DiagnosticList) {
        guard pattern.hasPrefix("^"), pattern.hasSuffix("$"), pattern.count >= 2 else {
            diagnostics.error(
                "schema.pattern", "patterns are anchored: write ^…$ so the whole value must match",
                at: location)
            return
        }
        guard let patternCompiler else { return }
        do {
            _ = try patternCompiler.compile(pattern)
        } catch {
            diagnostics.error("schema.pattern", "pattern does not compile: \(error.message)", at: location)
        }
    }

    // MARK: - Annotations, enums, markings

    private func annotationValues(
        _ node: DocumentNode?, allowed: [String], diagnostics: inout DiagnosticList
    ) -> [String: DocumentNode] {
        guard let node else { return [:] }
        let reader = NodeReader(node, context: "annotations", allowed: [], diagnostics: &diagnostics)
        var result: [String: DocumentNode] = [:]
        for key in reader.orderedKeys {
            guard let value = reader[key] else { continue }
            guard key.hasPrefix("ferry_") else { continue }  // other tools' annotations are theirs
            guard allowed.contains(key) else {
                var message = "unknown Ferry annotation '\(key)' here"
                if let suggestion = NodeReader.closest(to: key, among: allowed) {
                    message += "; did you mean '\(suggestion)'?"
                }
                diagnostics.error("schema.unknown-annotation", message, at: reader.keyLocations[key])
                continue
            }
            guard value.scalar != nil else {
                diagnostics.error("yaml.kind", "annotation \(key) must be a scalar", at: value.location)
                continue
            }
            result[key] = value
        }
        return result
    }

    private func marking(_ node: DocumentNode, diagnostics: inout DiagnosticList) -> Marking? {
        guard let text = node.scalar, let marking = Marking(rawValue: text) else {
            diagnostics.error(
                "schema.marking", "'\(node.scalar ?? "")' is not a marking: use public, internal, restricted or secret",
                at: node.location)
            return nil
        }
        return marking
    }

    private func loadEnums(_ node: DocumentNode?, diagnostics: inout DiagnosticList) -> [String: EnumDefinition] {
        guard let node else { return [:] }
        let reader = NodeReader(node, context: "enums", allowed: [], diagnostics: &diagnostics)
        var result: [String: EnumDefinition] = [:]
        for name in reader.orderedKeys {
            guard let enumNode = reader[name] else { continue }
            let enumReader = NodeReader(
                enumNode, context: "enum \(name)", allowed: ["description", "title", "permissible_values"],
                diagnostics: &diagnostics)
            guard let values = enumReader.require("permissible_values", diagnostics: &diagnostics) else { continue }
            let valuesReader = NodeReader(
                values, context: "permissible_values of \(name)", allowed: [], diagnostics: &diagnostics)
            for code in valuesReader.orderedKeys {
                if let detail = valuesReader[code], detail.pairs != nil {
                    _ = NodeReader(
                        detail, context: "permissible value \(code)", allowed: ["description", "title", "meaning"],
                        diagnostics: &diagnostics)
                }
            }
            if valuesReader.orderedKeys.isEmpty {
                diagnostics.error("schema.enum-empty", "enum \(name) has no permissible values", at: values.location)
            }
            result[name] = EnumDefinition(name: name, codes: valuesReader.orderedKeys)
        }
        return result
    }

    // MARK: - Rules

    private func loadRule(
        _ node: DocumentNode, root: ObjectType, rules: inout [ConditionalRule], markingRules: inout [MarkingRule],
        diagnostics: inout DiagnosticList
    ) {
        let reader = NodeReader(node, context: "a rule", allowed: Self.ruleKeys, diagnostics: &diagnostics)
        let description = reader.string("description", diagnostics: &diagnostics) ?? "rule"
        let preconditions =
            reader.require("preconditions", diagnostics: &diagnostics)
            .map { conditions($0, root: root, diagnostics: &diagnostics) } ?? []
        let postconditions = reader["postconditions"].map { conditions($0, root: root, diagnostics: &diagnostics) }
        let annotations = annotationValues(
            reader["annotations"], allowed: ["ferry_raise_marking"], diagnostics: &diagnostics)
        if let markingNode = annotations["ferry_raise_marking"] {
            if let marking = marking(markingNode, diagnostics: &diagnostics) {
                markingRules.append(MarkingRule(description: description, conditions: preconditions, marking: marking))
            }
        } else if let postconditions {
            rules.append(
                ConditionalRule(description: description, preconditions: preconditions, postconditions: postconditions))
        } else {
            diagnostics.error(
                "schema.rule", "a rule needs postconditions or the annotation ferry_raise_marking",
                at: node.location)
        }
    }

    private func conditions(_ node: DocumentNode, root: ObjectType, diagnostics: inout DiagnosticList)
        -> [SlotCondition]
    {
        let reader = NodeReader(
            node, context: "a rule's conditions", allowed: ["slot_conditions", "description"],
            diagnostics: &diagnostics)
        guard let slots = reader.require("slot_conditions", diagnostics: &diagnostics) else { return [] }
        let slotReader = NodeReader(slots, context: "slot_conditions", allowed: [], diagnostics: &diagnostics)
        var result: [SlotCondition] = []
        for fieldName in slotReader.orderedKeys {
            guard let conditionNode = slotReader[fieldName] else { continue }
            guard root.field(named: fieldName) != nil else {
                var message = "rule names \(fieldName), which the record class lacks"
                if let suggestion = NodeReader.closest(to: fieldName, among: root.fields.map(\.name)) {
                    message += "; did you mean '\(suggestion)'?"
                }
                diagnostics.error("schema.unknown-field", message, at: slotReader.keyLocations[fieldName])
                continue
            }
            let condition = NodeReader(
                conditionNode, context: "the condition on \(fieldName)", allowed: Self.conditionKeys,
                diagnostics: &diagnostics)
            if let text = condition.string("equals_string", diagnostics: &diagnostics) {
                result.append(SlotCondition(field: fieldName, test: .equalsString(text)))
            }
            if let number = condition.decimal("equals_number", diagnostics: &diagnostics) {
                result.append(SlotCondition(field: fieldName, test: .equalsNumber(number)))
            }
            if let presence = condition.string("value_presence", diagnostics: &diagnostics) {
                switch presence {
                case "PRESENT": result.append(SlotCondition(field: fieldName, test: .present))
                case "ABSENT": result.append(SlotCondition(field: fieldName, test: .absent))
                default:
                    diagnostics.error(
                        "schema.rule", "value_presence is PRESENT or ABSENT", at: condition["value_presence"]?.location)
                }
            }
            if condition.bool("required", diagnostics: &diagnostics) == true {
                result.append(SlotCondition(field: fieldName, test: .present))
            }
        }
        return result
    }
}
