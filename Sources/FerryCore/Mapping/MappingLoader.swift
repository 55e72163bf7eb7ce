/// Loads a mapping file's ``DocumentNode`` against its schema, reporting every problem with
/// its `path:line:column`.
public struct MappingLoader {
    static let topKeys = [
        "ferry_mapping", "name", "description", "schema", "source", "direction", "xml", "time", "fields", "codes",
    ]
    static let xmlKeys = [
        "encoding", "namespaces", "default_namespace", "records", "root_attributes", "ignore", "unmapped",
    ]
    static let ruleKeys = [
        "path", "xpath", "join", "separator", "first", "part", "const", "present", "fields", "date", "datetime",
        "offset", "zone", "decimal", "integer", "boolean", "code", "codes", "text", "default", "required",
        "description",
    ]
    static let sourceKeys = ["path", "xpath", "join", "first", "const", "present"]

    /// Where `zone:` names are looked up; without one a `zone:` rule is a load error.
    let timeZones: (any TimeZoneProvider)?

    /// Creates a loader.
    /// - Parameter timeZones: the zones `zone:` may name (FerryConvert's loader passes
    ///   Foundation's); FerryCore has no zone data of its own.
    public init(timeZones: (any TimeZoneProvider)? = nil) { self.timeZones = timeZones }

    /// The schema file a mapping names, relative to the mapping file, and where it is named.
    public static func schemaReference(in document: DocumentNode) -> (path: String, location: DocumentLocation)? {
        guard let node = document["schema"], let text = node.scalar else { return nil }
        return (text, node.location)
    }

    /// Loads a mapping.
    /// - Parameters:
    ///   - document: the mapping file's root node.
    ///   - schema: the schema the mapping names, already loaded.
    ///   - diagnostics: receives every problem found.
    /// - Returns: the mapping, or nil when an error was reported.
    public func load(_ document: DocumentNode, schema: Schema, diagnostics: inout DiagnosticList) -> Mapping? {
        var local = DiagnosticList()
        let top = NodeReader(document, context: "a mapping", allowed: Self.topKeys, diagnostics: &local)
        if let version = top.require("ferry_mapping", diagnostics: &local), version.scalar != "1" {
            local.error("mapping.version", "this Ferry reads mapping language version 1", at: version.location)
        }
        let path = document.location.path
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        let name = top.string("name", diagnostics: &local) ?? String(fileName.split(separator: ".").first ?? "")
        let schemaReference = top.string("schema", diagnostics: &local) ?? ""
        _ = top.require("schema", diagnostics: &local)
        let source = top.string("source", diagnostics: &local) ?? ""
        if let sourceNode = top.require("source", diagnostics: &local), !source.contains(":") {
            local.error("mapping.source", "source must be a URI such as urn:ferry:system:NAME", at: sourceNode.location)
        }
        var direction = Mapping.Direction.both
        if let directionNode = top["direction"] {
            if let parsed = directionNode.scalar.flatMap(Mapping.Direction.init(rawValue:)) {
                direction = parsed
            } else {
                local.error("mapping.direction", "direction is both, read or write", at: directionNode.location)
            }
        }

        var context = Context(direction: direction)
        let xmlNode = top.require("xml", diagnostics: &local)
        var xml = xmlNode.map { loadXML($0, context: &context, diagnostics: &local) }
        context.codeTables = loadCodeTables(top["codes"], diagnostics: &local)
        var headerPaths: [NodePath] = []

        var time: FieldRule?
        if let timeNode = top["time"] {
            let timeField = FieldDefinition(
                name: "time", type: .datetime, marking: schema.defaultMarking,
                location: timeNode.location)
            // `time` is envelope metadata: written back or not, it never blocks the writing direction.
            var timeContext = context
            timeContext.direction = .read
            time = loadRule(timeNode, field: timeField, context: &timeContext, diagnostics: &local)
            context.xpaths = timeContext.xpaths
            context.usedTables = timeContext.usedTables
            if direction.writes, time?.irreversibleReason != nil {
                local.note(
                    "mapping.time-not-written", "time is not written back: the writing direction leaves it out",
                    at: timeNode.location)
            }
            if let time, let xml {
                checkHeaderPaths(time, recordPath: xml.recordPath, headerPaths: &headerPaths, diagnostics: &local)
            }
        }
        var fields: [FieldBinding] = []
        if let fieldsNode = top.require("fields", diagnostics: &local) {
            fields = loadFields(fieldsNode, object: schema.root, context: &context, diagnostics: &local)
            if let xml {
                for field in fields {
                    checkHeaderPaths(
                        field.rule, recordPath: xml.recordPath, headerPaths: &headerPaths, diagnostics: &local)
                }
            }
            if direction.reads {
                reportUnmapped(schema.root, fields: fields, at: fieldsNode.location, owner: "", diagnostics: &local)
            }
        }
        // libxml2's XPath binds one URI to a prefix: an expression cannot use one bound to several.
        for prefix in context.namespaces.filter({ $0.value.count > 1 }).keys.sorted() {
            for xpath in context.xpaths where Self.uses(prefix: prefix, in: xpath.expression) {
                local.error(
                    "mapping.xpath-namespace",
                    "xpath uses prefix '\(prefix)', which binds several namespaces; XPath binds one: use a path, or a "
                        + "prefix of one namespace", at: xpath.location)
            }
        }
        for table in context.codeTables.values where !context.usedTables.contains(table.table.name) {
            local.warning(
                "mapping.unused-code-table", "code table \(table.table.name) is not used by any rule",
                at: table.location)
        }
        xml?.headerPaths = headerPaths
        diagnostics.append(contentsOf: local)
        guard !local.hasErrors, let xml else { return nil }
        return Mapping(
            name: name, path: path, schemaReference: schemaReference, schema: schema, source: source,
            direction: direction, xml: xml, time: time, fields: fields, xpathExpressions: context.xpaths,
            namespaces: context.namespaces.compactMap { prefix, uris in uris.first.map { (prefix, $0) } }
                .sorted { $0.0 < $1.0 },
            namespaceAlternatives: context.namespaces)
    }

    /// A `datetime:` rule with `zone:`: local times whose offset the zone's rules give.
    private func zonedDatetime(
        _ pattern: DatePattern?, zoneNode: DocumentNode, datetimeNode: DocumentNode, reader: NodeReader,
        diagnostics: inout DiagnosticList
    ) -> FieldRule.Parser? {
        guard let pattern else {
            diagnostics.error(
                "mapping.zone", "zone: goes with a datetime pattern; RFC 3339 values carry their offset",
                at: zoneNode.location)
            return nil
        }
        if let offsetNode = reader["offset"] {
            diagnostics.error("mapping.zone", "give offset: or zone:, not both", at: offsetNode.location)
            return nil
        }
        guard let name = NodeReader.string(zoneNode, what: "a time zone name", diagnostics: &diagnostics) else {
            return nil
        }
        guard let zone = timeZones?.zone(named: name) else {
            diagnostics.error(
                "mapping.zone", "unknown time zone '\(name)': give an IANA name such as America/New_York",
                at: zoneNode.location)
            return nil
        }
        return .zonedDatetime(pattern, zone: zone)
    }

    /// Whether an XPath expression names something with a prefix (`p:` not inside a longer name).
    static func uses(prefix: String, in expression: String) -> Bool {
        let needle = "\(prefix):"
        var previous: Character?
        var index = expression.startIndex
        while index < expression.endIndex {
            let isNameCharacter = previous.map { $0.isLetter || $0.isNumber || "_-.".contains($0) } ?? false
            if !isNameCharacter && expression[index...].hasPrefix(needle) { return true }
            previous = expression[index]
            index = expression.index(after: index)
        }
        return false
    }

    // MARK: - Context

    private struct Context {
        var direction: Mapping.Direction
        /// The URIs each prefix binds, the written one first.
        var namespaces: [String: [String]] = [:]
        var defaultNamespacePrefix: String?
        var codeTables: [String: (table: CodeTable, location: DocumentLocation)] = [:]
        var usedTables: Set<String> = []
        var xpaths: [(expression: String, location: DocumentLocation)] = []
    }

    // MARK: - XML section

    private func loadXML(_ node: DocumentNode, context: inout Context, diagnostics: inout DiagnosticList) -> XMLBinding
    {
        let reader = NodeReader(node, context: "xml", allowed: Self.xmlKeys, diagnostics: &diagnostics)
        if let namespacesNode = reader["namespaces"] {
            let namespaces = NodeReader(namespacesNode, context: "namespaces", allowed: [], diagnostics: &diagnostics)
            for prefix in namespaces.orderedKeys {
                guard let value = namespaces[prefix] else { continue }
                if let items = value.items {
                    // A list: the namespaces a format uses for the same elements, "" for none.
                    let uris = items.compactMap {
                        NodeReader.string($0, what: "a namespace URI", diagnostics: &diagnostics)
                    }
                    guard !uris.isEmpty else {
                        diagnostics.error(
                            "mapping.unknown-prefix", "prefix '\(prefix)' binds no namespace: give a URI or a list",
                            at: value.location)
                        continue
                    }
                    context.namespaces[prefix] = uris
                } else if let uri = namespaces.string(prefix, diagnostics: &diagnostics) {
                    context.namespaces[prefix] = [uri]
                }
            }
        }
        var defaultNamespace: String?
        if let prefix = reader.string("default_namespace", diagnostics: &diagnostics) {
            if let uris = context.namespaces[prefix] {
                context.defaultNamespacePrefix = prefix
                defaultNamespace = uris.first
            } else {
                diagnostics.error(
                    "mapping.unknown-prefix", "default_namespace names prefix '\(prefix)', which namespaces lacks",
                    at: reader["default_namespace"]?.location)
            }
        }
        var recordPath: [NodePath.Name] = []
        if let recordsNode = reader.require("records", diagnostics: &diagnostics),
            let path = parsePath(recordsNode, context: context, diagnostics: &diagnostics)
        {
            if path.attribute != nil || path.elements.isEmpty {
                diagnostics.error(
                    "mapping.records-path", "records is an element path from the root, such as Root/Items/Item",
                    at: recordsNode.location)
            }
            recordPath = path.elements
        }
        var rootAttributes: [(String, String)] = []
        if let attributesNode = reader["root_attributes"] {
            let attributes = NodeReader(
                attributesNode, context: "root_attributes", allowed: [], diagnostics: &diagnostics)
            for key in attributes.orderedKeys {
                if let value = attributes.string(key, diagnostics: &diagnostics) { rootAttributes.append((key, value)) }
            }
        }
        var ignored: [IgnorePattern] = []
        if let ignoreNode = reader["ignore"] {
            if let items = ignoreNode.items {
                ignored = items.compactMap { parseIgnorePattern($0, context: context, diagnostics: &diagnostics) }
            } else {
                diagnostics.error("yaml.kind", "ignore must be a list of paths", at: ignoreNode.location)
            }
        }
        var unmapped = XMLBinding.UnmappedPolicy.warn
        if let policyNode = reader["unmapped"] {
            if let policy = policyNode.scalar.flatMap(XMLBinding.UnmappedPolicy.init(rawValue:)) {
                unmapped = policy
            } else {
                diagnostics.error(
                    "mapping.unmapped-policy", "unmapped is error, warn or ignore", at: policyNode.location)
            }
        }
        let encoding = reader.string("encoding", diagnostics: &diagnostics) ?? "UTF-8"
        return XMLBinding(
            encoding: encoding, recordPath: recordPath, rootAttributes: rootAttributes,
            defaultNamespace: defaultNamespace, ignored: ignored, unmapped: unmapped, headerPaths: [],
            location: node.location)
    }

    /// Absolute paths name what the reader sees outside the records: an attribute of an element
    /// above them, or an element or attribute anywhere outside them (the export's header); none
    /// may reach into a record.
    /// - Parameter headerPaths: collects the paths that are not attributes of the record's
    ///   ancestors, which the readers capture before the first record.
    private func checkHeaderPaths(
        _ rule: FieldRule, recordPath: [NodePath.Name], headerPaths: inout [NodePath], diagnostics: inout DiagnosticList
    ) {
        guard !recordPath.isEmpty else { return }  // the records path's own error says enough
        for path in rule.paths where path.isAbsolute {
            let alongRecordPath = zip(path.elements, recordPath).allSatisfy { $0.sameName(as: $1) }
            let insideRecords = path.elements.count >= recordPath.count && alongRecordPath
            // An element the records are inside closes after every record: its text is never a header.
            let aroundRecords = path.attribute == nil && alongRecordPath
            guard !insideRecords, !aroundRecords, !path.elements.isEmpty else {
                diagnostics.error(
                    "mapping.header-path",
                    "an absolute path names a value outside the records, such as the export's header; \(path) "
                        + "reaches into a record or holds them: write a record's value relative to the record",
                    at: rule.location)
                continue
            }
            let isAncestorAttribute =
                path.attribute != nil && path.elements.count < recordPath.count
                && zip(path.elements, recordPath).allSatisfy { $0.sameName(as: $1) }
            if !isAncestorAttribute && !headerPaths.contains(where: { $0 === path }) { headerPaths.append(path) }
        }
    }

    // MARK: - Paths

    private func parsePath(_ node: DocumentNode, context: Context, diagnostics: inout DiagnosticList) -> NodePath? {
        guard let text = NodeReader.string(node, what: "a path", diagnostics: &diagnostics) else { return nil }
        return parsePath(text, at: node.location, context: context, diagnostics: &diagnostics)
    }

    private func parsePath(
        _ text: String, at location: DocumentLocation, context: Context, diagnostics: inout DiagnosticList
    ) -> NodePath? {
        if text == "." { return NodePath(elements: [], attribute: nil, isAbsolute: false, description: text) }
        let isAbsolute = text.hasPrefix("/")
        let steps = text.dropFirst(isAbsolute ? 1 : 0).split(separator: "/", omittingEmptySubsequences: false)
        var elements: [NodePath.Name] = []
        var attribute: NodePath.Name?
        for (index, step) in steps.enumerated() {
            let isAttribute = step.hasPrefix("@")
            let qualified = isAttribute ? step.dropFirst() : step
            guard isValidQName(qualified) else {
                diagnostics.error(
                    "mapping.path", "'\(text)' is not a simple path (use xpath: for expressions)", at: location)
                return nil
            }
            if isAttribute && index != steps.count - 1 {
                diagnostics.error("mapping.path", "an attribute can only end a path: '\(text)'", at: location)
                return nil
            }
            guard
                let name = resolve(
                    qualified, isAttribute: isAttribute, in: text, at: location, context: context,
                    diagnostics: &diagnostics)
            else { return nil }
            if isAttribute { attribute = name } else { elements.append(name) }
        }
        return NodePath(elements: elements, attribute: attribute, isAbsolute: isAbsolute, description: text)
    }

    /// An `xml.ignore` entry: a path below the record whose steps may be `*`, `**`, `*:name`,
    /// `@*` or `@*:name`.
    private func parseIgnorePattern(_ node: DocumentNode, context: Context, diagnostics: inout DiagnosticList)
        -> IgnorePattern?
    {
        guard let text = NodeReader.string(node, what: "a path", diagnostics: &diagnostics) else { return nil }
        func refuse(_ message: String) -> IgnorePattern? {
            diagnostics.error("mapping.path", message, at: node.location)
            return nil
        }
        guard !text.hasPrefix("/") else {
            return refuse("'\(text)': ignore paths are relative to the record element")
        }
        let steps = text.split(separator: "/", omittingEmptySubsequences: false)
        var elements: [IgnorePattern.Step] = []
        var attribute: IgnorePattern.Step?
        for (index, step) in steps.enumerated() {
            let isAttribute = step.hasPrefix("@")
            let name = isAttribute ? step.dropFirst() : step
            if isAttribute && index != steps.count - 1 {
                return refuse("an attribute can only end a path: '\(text)'")
            }
            let parsed: IgnorePattern.Step
            if name == "**" && !isAttribute {
                parsed = .anyDepth
            } else if name == "*" {
                parsed = .any
            } else if name.hasPrefix("*:"), isValidQName(name.dropFirst(2)), !name.dropFirst(2).contains(":") {
                parsed = .anyNamespace(local: String(name.dropFirst(2)))
            } else if isValidQName(name) {
                guard
                    let resolved = resolve(
                        name, isAttribute: isAttribute, in: text, at: node.location, context: context,
                        diagnostics: &diagnostics)
                else { return nil }
                parsed = .name(
                    namespaces: resolved.namespaces.map { String(decoding: $0, as: UTF8.self) },
                    local: resolved.localName)
            } else {
                return refuse(
                    "'\(text)' is not an ignore path: names, * (one element), ** (any depth), *:name (any "
                        + "namespace), @name or @* at the end")
            }
            if isAttribute { attribute = parsed } else { elements.append(parsed) }
        }
        return IgnorePattern(elements: elements, attribute: attribute, description: text)
    }

    /// The name a step `p:name` or `name` writes, its prefix resolved: an unprefixed element is in
    /// the default namespace when there is one, an unprefixed attribute in none.
    private func resolve(
        _ qualified: Substring, isAttribute: Bool, in text: String, at location: DocumentLocation, context: Context,
        diagnostics: inout DiagnosticList
    ) -> NodePath.Name? {
        let parts = qualified.split(separator: ":", maxSplits: 1)
        var prefix: String? = parts.count == 2 ? String(parts[0]) : nil
        let local = String(parts.count == 2 ? parts[1] : parts[0])
        if prefix == nil && !isAttribute { prefix = context.defaultNamespacePrefix }
        var namespaces = [""]
        if let prefix {
            guard let uris = context.namespaces[prefix] else {
                diagnostics.error(
                    "mapping.unknown-prefix", "prefix '\(prefix)' in '\(text)' is not declared in xml.namespaces",
                    at: location)
                return nil
            }
            namespaces = uris
        }
        return NodePath.Name(namespaces: namespaces, local: local, prefix: prefix)
    }

    private func isValidQName(_ name: Substring) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" else { return false }
        let colons = name.filter { $0 == ":" }.count
        return colons <= 1 && !name.hasSuffix(":")
            && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." || $0 == ":" }
    }

    // MARK: - Fields

    private func loadFields(
        _ node: DocumentNode, object: ObjectType, context: inout Context, diagnostics: inout DiagnosticList
    ) -> [FieldBinding] {
        let reader = NodeReader(node, context: "fields", allowed: [], diagnostics: &diagnostics)
        var bindings: [FieldBinding] = []
        for name in reader.orderedKeys {
            guard let ruleNode = reader[name] else { continue }
            guard let field = object.field(named: name) else {
                var message = "field \(name) is not in \(object.name)"
                if let suggestion = NodeReader.closest(to: name, among: object.fields.map(\.name)) {
                    message += "; did you mean '\(suggestion)'?"
                }
                diagnostics.error("mapping.unknown-field", message, at: reader.keyLocations[name])
                continue
            }
            if let rule = loadRule(ruleNode, field: field, context: &context, diagnostics: &diagnostics) {
                bindings.append(FieldBinding(field: field, rule: rule))
            }
        }
        // Schema order, whatever order the mapping lists them in.
        return object.fields.compactMap { field in bindings.first { $0.field.name == field.name } }
    }

    private func reportUnmapped(
        _ object: ObjectType, fields: [FieldBinding], at location: DocumentLocation, owner: String,
        diagnostics: inout DiagnosticList
    ) {
        for field in object.fields where !fields.contains(where: { $0.field.name == field.name }) {
            if field.isRequired {
                diagnostics.error(
                    "mapping.unmapped-required", "required field \(owner)\(field.name) has no rule", at: location)
            } else {
                diagnostics.note(
                    "mapping.unmapped-optional", "optional field \(owner)\(field.name) has no rule", at: location)
            }
        }
        for binding in fields {
            if case .object(_, let nested) = binding.rule.source, case .object(let type) = binding.field.type {
                reportUnmapped(
                    type, fields: nested, at: binding.rule.location, owner: "\(owner)\(binding.field.name).",
                    diagnostics: &diagnostics)
            }
        }
    }

    private func loadRule(
        _ node: DocumentNode, field: FieldDefinition, context: inout Context, diagnostics: inout DiagnosticList
    ) -> FieldRule? {
        if node.scalar != nil {
            // The short form: a path, parsed as the field's type says.
            guard let path = parsePath(node, context: context, diagnostics: &diagnostics) else { return nil }
            if case .object = field.type {
                diagnostics.error(
                    "mapping.object-rule", "field \(field.name) is an object: give path and fields",
                    at: node.location)
                return nil
            }
            let parser = defaultParser(for: field.type)
            return finish(
                FieldRule(
                    source: .path(path), parser: parser, whiteSpace: .fold, defaultValue: nil,
                    isRequiredByFormat: false, location: node.location),
                field: field, context: context, diagnostics: &diagnostics)
        }
        let reader = NodeReader(
            node, context: "the rule for \(field.name)", allowed: Self.ruleKeys, diagnostics: &diagnostics)
        guard node.pairs != nil else { return nil }
        let sources = Self.sourceKeys.filter { reader[$0] != nil }
        if sources.count != 1 {
            diagnostics.error(
                "mapping.rule-source",
                "the rule for \(field.name) needs exactly one of \(Self.sourceKeys.joined(separator: ", "))",
                at: node.location)
            return nil
        }
        let separator = reader.string("separator", diagnostics: &diagnostics) ?? " "
        var source: FieldRule.Source
        switch sources[0] {
        case "path":
            guard let pathNode = reader["path"],
                let path = parsePath(pathNode, context: context, diagnostics: &diagnostics)
            else {
                return nil
            }
            if let fieldsNode = reader["fields"] {
                guard case .object(let type) = field.type else {
                    diagnostics.error(
                        "mapping.object-rule", "fields: applies to object fields; \(field.name) is \(field.type.name)",
                        at: fieldsNode.location)
                    return nil
                }
                let nested = loadFields(fieldsNode, object: type, context: &context, diagnostics: &diagnostics)
                source = .object(path, nested)
            } else if case .object = field.type {
                diagnostics.error(
                    "mapping.object-rule", "field \(field.name) is an object: give its fields", at: node.location)
                return nil
            } else if let partNode = reader["part"] {
                guard let index = reader.integer("part", diagnostics: &diagnostics), index >= 1 else {
                    diagnostics.error("mapping.part", "part is a position from 1", at: partNode.location)
                    return nil
                }
                source = .part(path, index: index, separator: separator)
            } else {
                source = .path(path)
            }
        case "xpath":
            guard let expression = reader.string("xpath", diagnostics: &diagnostics) else { return nil }
            context.xpaths.append((expression, reader["xpath"]?.location ?? node.location))
            source = .xpath(context.xpaths.count - 1)
        case "join":
            guard let items = reader["join"]?.items else {
                diagnostics.error("yaml.kind", "join is a list of paths", at: reader["join"]?.location)
                return nil
            }
            source = .join(
                items.compactMap { parsePath($0, context: context, diagnostics: &diagnostics) }, separator: separator)
        case "first":
            guard let items = reader["first"]?.items, !items.isEmpty else {
                diagnostics.error("yaml.kind", "first is a list of rules", at: reader["first"]?.location)
                return nil
            }
            source = .first(
                items.compactMap { loadRule($0, field: field, context: &context, diagnostics: &diagnostics) })
        case "const":
            source = .constant(reader.string("const", diagnostics: &diagnostics) ?? "")
        default:
            guard let pathNode = reader["present"],
                let path = parsePath(pathNode, context: context, diagnostics: &diagnostics)
            else {
                return nil
            }
            source = .present(path)
        }
        if reader["fields"] != nil, case .object = source {
        } else if let fieldsNode = reader["fields"] {
            diagnostics.error("mapping.object-rule", "fields: goes with path:", at: fieldsNode.location)
        }
        if reader["part"] != nil, case .part = source {
        } else if let partNode = reader["part"] {
            diagnostics.error("mapping.part", "part: goes with path:", at: partNode.location)
        }
        var whiteSpace = FieldRule.WhiteSpace.fold
        if let textNode = reader["text"] {
            guard let mode = textNode.scalar.flatMap(FieldRule.WhiteSpace.init(rawValue:)) else {
                diagnostics.error("mapping.text", "text is fold, trim or keep", at: textNode.location)
                return nil
            }
            whiteSpace = mode
        }
        let parser = loadParser(reader, field: field, context: &context, diagnostics: &diagnostics)
        let rule = FieldRule(
            source: source, parser: parser ?? defaultParser(for: field.type), whiteSpace: whiteSpace,
            defaultValue: reader.string("default", diagnostics: &diagnostics),
            isRequiredByFormat: reader.bool("required", diagnostics: &diagnostics) ?? false,
            location: node.location)
        return finish(rule, field: field, context: context, diagnostics: &diagnostics)
    }

    /// Checks the parser against the field's type and works out whether the rule can be written back.
    private func finish(
        _ rule: FieldRule, field: FieldDefinition, context: Context, diagnostics: inout DiagnosticList
    ) -> FieldRule {
        if let problem = parserMismatch(rule.parser, rule.source, field.type) {
            diagnostics.error(
                "mapping.parser-type", "\(problem) (field \(field.name) is \(field.type.name))", at: rule.location)
        }
        if field.isList, !isRepeatable(rule.source) {
            diagnostics.error(
                "mapping.list-rule", "field \(field.name) is a list: its rule needs a path to repeated elements",
                at: rule.location)
        }
        rule.irreversibleReason = irreversibleReason(rule)
        if context.direction.writes, let reason = rule.irreversibleReason {
            diagnostics.error(
                "mapping.irreversible",
                "the rule for \(field.name) cannot be written back: \(reason); set direction: read",
                at: rule.location)
        }
        return rule
    }

    private func isRepeatable(_ source: FieldRule.Source) -> Bool {
        switch source {
        case .path(let p), .object(let p, _): !p.isAbsolute
        default: false
        }
    }

    private func irreversibleReason(_ rule: FieldRule) -> String? {
        switch rule.source {
        case .xpath: return "an XPath expression has no inverse"
        case .join: return "joined values cannot be split back"
        case .first: return "a choice among rules has no single inverse"
        case .constant: return "a constant is not read from the document"
        case .present: return "presence has no inverse"
        case .path(let p) where p.isAbsolute: return "an export header value is shared by all records"
        case .object(_, let nested):
            return nested.lazy.compactMap { binding in
                binding.rule.irreversibleReason.map { "\(binding.field.name): \($0)" }
            }.first
        case .path, .part:
            if case .datetime(_, let offset?) = rule.parser, let reason = irreversibleReason(offset) {
                return "its offset: \(reason)"
            }
            return nil
        }
    }

    private func parserMismatch(_ parser: FieldRule.Parser, _ source: FieldRule.Source, _ type: FieldType) -> String? {
        if case .present = source {
            if case .boolean = type { return nil }
            return "present: yields a boolean"
        }
        switch (parser, type) {
        case (.text, .string), (.text, .enumeration), (.integer, .integer), (.integer, .decimal),
            (.decimal, .decimal), (.boolean, .boolean), (.date, .date), (.datetime, .datetime),
            (.zonedDatetime, .datetime), (.code, .enumeration), (.code, .string), (_, .object):
            return nil
        case (.text, _): return "text cannot fill a \(type.name) field without a parser"
        case (.integer, _): return "an integer parser cannot fill it"
        case (.decimal, _): return "a decimal parser cannot fill it"
        case (.boolean, _): return "a boolean parser cannot fill it"
        case (.date, _): return "a date parser cannot fill it"
        case (.datetime, _), (.zonedDatetime, _): return "a datetime parser cannot fill it"
        case (.code, _): return "a code table yields codes, not \(type.name)"
        }
    }

    // MARK: - Parsers

    private func defaultParser(for type: FieldType) -> FieldRule.Parser {
        switch type {
        case .string, .object: .text
        case .integer: .integer
        case .decimal: .decimal(DecimalFormat())
        case .boolean: .boolean(trueWords: ["true", "1"], falseWords: ["false", "0"])
        case .date: .date(nil)
        case .datetime: .datetime(nil, offset: nil)
        case .enumeration(let e):
            .code(CodeTable(name: e.name, caseInsensitive: true, notFound: .reject, entries: e.codes.map { ($0, $0) }))
        }
    }

    private func loadParser(
        _ reader: NodeReader, field: FieldDefinition, context: inout Context, diagnostics: inout DiagnosticList
    ) -> FieldRule.Parser? {
        let parserKeys = ["date", "datetime", "decimal", "integer", "boolean", "code", "codes"].filter {
            reader[$0] != nil
        }
        if parserKeys.count > 1 {
            diagnostics.error(
                "mapping.parser", "a rule takes one parser; found \(parserKeys.joined(separator: ", "))",
                at: reader.node.location)
            return nil
        }
        for key in ["offset", "zone"] where reader[key] != nil && parserKeys.first != "datetime" {
            diagnostics.error("mapping.parser", "\(key): goes with datetime:", at: reader[key]?.location)
        }
        guard let key = parserKeys.first, let node = reader[key] else { return nil }
        switch key {
        case "date", "datetime":
            var pattern: DatePattern?
            if let text = node.scalar, text != "iso" {
                do {
                    pattern = try DatePattern(text)
                } catch {
                    diagnostics.error("mapping.date-pattern", "bad date pattern: \(error.message)", at: node.location)
                    return nil
                }
            }
            if key == "date" {
                // A date pattern may read a time of day (`YYYY-MM-DD[THH:mm:ss]`): registers write
                // dates as midnight date-times; any other time rejects the record.
                return .date(pattern)
            }
            if let zoneNode = reader["zone"] {
                return zonedDatetime(
                    pattern, zoneNode: zoneNode, datetimeNode: node, reader: reader, diagnostics: &diagnostics)
            }
            var offset: FieldRule?
            if let offsetNode = reader["offset"] {
                let offsetField = FieldDefinition(
                    name: "offset", type: .string, marking: field.marking,
                    location: offsetNode.location)
                offset = loadRule(offsetNode, field: offsetField, context: &context, diagnostics: &diagnostics)
            } else if pattern != nil {
                diagnostics.error(
                    "mapping.offset",
                    "a datetime pattern needs offset: (a path or a rule) or zone: (a time zone name), since RFC 3339 "
                        + "requires an offset",
                    at: node.location)
            }
            return .datetime(pattern, offset: offset)
        case "decimal":
            var format = DecimalFormat()
            if node.pairs != nil {
                let options = NodeReader(
                    node, context: "decimal", allowed: ["point", "grouping", "exponent"], diagnostics: &diagnostics)
                if let point = options.string("point", diagnostics: &diagnostics) {
                    if point.count == 1, let c = point.first {
                        format.point = c
                    } else {
                        diagnostics.error("mapping.decimal", "point is one character", at: options["point"]?.location)
                    }
                }
                if let grouping = options["grouping"] {
                    let items = grouping.items ?? [grouping]
                    format.grouping = items.compactMap { $0.scalar }.flatMap { Array($0) }
                }
                format.allowsExponent = options.bool("exponent", diagnostics: &diagnostics) ?? false
            } else if node.scalar != "true" {
                diagnostics.error(
                    "mapping.decimal", "decimal: is true or a mapping of point, grouping, exponent", at: node.location)
            }
            return .decimal(format)
        case "integer":
            return .integer
        case "boolean":
            let options = NodeReader(node, context: "boolean", allowed: ["true", "false"], diagnostics: &diagnostics)
            let words = { (key: String) -> [String] in
                options[key]?.items?.compactMap(\.scalar) ?? options[key]?.scalar.map { [$0] } ?? []
            }
            return .boolean(trueWords: words("true"), falseWords: words("false"))
        case "code":
            guard let name = node.scalar else {
                diagnostics.error("yaml.kind", "code: names a table in codes:", at: node.location)
                return nil
            }
            guard let table = context.codeTables[name] else {
                var message = "no code table named \(name)"
                if let suggestion = NodeReader.closest(to: name, among: Array(context.codeTables.keys)) {
                    message += "; did you mean '\(suggestion)'?"
                }
                diagnostics.error("mapping.unknown-code-table", message, at: node.location)
                return nil
            }
            context.usedTables.insert(name)
            checkCodes(table.table, against: field, at: node.location, diagnostics: &diagnostics)
            return .code(table.table)
        default:
            guard let table = loadCodeTable(node, name: field.name, diagnostics: &diagnostics) else { return nil }
            checkCodes(table.table, against: field, at: node.location, diagnostics: &diagnostics)
            return .code(table.table)
        }
    }

    private func checkCodes(
        _ table: CodeTable, against field: FieldDefinition, at location: DocumentLocation,
        diagnostics: inout DiagnosticList
    ) {
        guard case .enumeration(let e) = field.type else { return }
        for (index, entry) in table.entries.enumerated() where !e.codes.contains(entry.code) {
            let entryLocation = index < table.codeLocations.count ? table.codeLocations[index] : location
            diagnostics.error(
                "mapping.code-not-in-enum", "code table \(table.name) yields '\(entry.code)', not a code of \(e.name)",
                at: entryLocation)
        }
        for code in e.codes where !table.entries.contains(where: { $0.code == code }) {
            diagnostics.note(
                "mapping.code-never-produced", "code table \(table.name) never yields \(e.name) code '\(code)'",
                at: location)
        }
    }

    private func loadCodeTables(
        _ node: DocumentNode?, diagnostics: inout DiagnosticList
    ) -> [String: (table: CodeTable, location: DocumentLocation)] {
        guard let node else { return [:] }
        let reader = NodeReader(node, context: "codes", allowed: [], diagnostics: &diagnostics)
        var tables: [String: (CodeTable, DocumentLocation)] = [:]
        for name in reader.orderedKeys {
            if let tableNode = reader[name], let table = loadCodeTable(tableNode, name: name, diagnostics: &diagnostics)
            {
                tables[name] = table
            }
        }
        return tables
    }

    private func loadCodeTable(
        _ node: DocumentNode, name: String, diagnostics: inout DiagnosticList
    ) -> (table: CodeTable, location: DocumentLocation)? {
        let reader = NodeReader(
            node, context: "code table \(name)", allowed: ["match", "not_found", "values", "description"],
            diagnostics: &diagnostics)
        var caseInsensitive = true
        if let match = reader.string("match", diagnostics: &diagnostics) {
            switch match {
            case "case-insensitive": caseInsensitive = true
            case "exact": caseInsensitive = false
            default:
                diagnostics.error(
                    "mapping.code-table", "match is exact or case-insensitive", at: reader["match"]?.location)
            }
        }
        var notFound = CodeTable.NotFound.reject
        if let text = reader.string("not_found", diagnostics: &diagnostics) {
            if let policy = CodeTable.NotFound(rawValue: text) {
                notFound = policy
            } else {
                diagnostics.error(
                    "mapping.code-table", "not_found is reject or keep", at: reader["not_found"]?.location)
            }
        }
        guard let valuesNode = reader.require("values", diagnostics: &diagnostics) else { return nil }
        let values = NodeReader(valuesNode, context: "values of \(name)", allowed: [], diagnostics: &diagnostics)
        var entries: [(String, String)] = []
        var codeLocations: [DocumentLocation] = []
        var seen = Set<String>()
        for word in values.orderedKeys {
            guard let code = values.string(word, diagnostics: &diagnostics), let codeNode = values[word] else {
                continue
            }
            codeLocations.append(codeNode.location)
            let folded = TextNormalization.fold(word)
            let key = caseInsensitive ? folded.lowercased() : folded
            if !seen.insert(key).inserted {
                diagnostics.error(
                    "mapping.code-table", "'\(word)' is listed twice in \(name) once case is ignored",
                    at: values.keyLocations[word])
            }
            entries.append((folded, code))
        }
        let table = CodeTable(
            name: name, caseInsensitive: caseInsensitive, notFound: notFound, entries: entries,
            codeLocations: codeLocations)
        return (table, node.location)
    }
}

extension FieldRule {
    /// Every simple path the rule reads, nested rules included.
    public var paths: [NodePath] {
        var result: [NodePath] = []
        switch source {
        case .path(let p), .present(let p), .part(let p, _, _): result.append(p)
        case .join(let ps, _): result.append(contentsOf: ps)
        case .first(let rules): result.append(contentsOf: rules.flatMap(\.paths))
        case .object(let p, let nested):
            result.append(p)
            result.append(contentsOf: nested.flatMap(\.rule.paths))
        case .xpath, .constant: break
        }
        if case .datetime(_, let offset?) = parser { result.append(contentsOf: offset.paths) }
        return result
    }
}
