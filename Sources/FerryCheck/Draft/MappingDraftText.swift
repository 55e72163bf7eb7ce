import FerryCore

extension DraftText {
    /// The drafted mapping: namespaces, the records path with why it was chosen, and one rule
    /// per field, nested as the schema's classes are.
    static func mapping(
        _ model: DraftModel, name: String, schemaFile: String, recordType: String, records: RecordsPathChoice,
        samples: Int
    ) -> String {
        let plan = model.namespaces
        var text = """
            # Drafted by ferry draft from \(samples) sample(s). Lines marked REVIEW need a decision the
            # samples cannot make. Run ferry check after each change.
            ferry_mapping: 1
            name: \(scalar(name))
            description: \(scalar("Sample exports to \(recordType), drafted"))
            schema: \(scalar("../schemas/" + schemaFile))
            # REVIEW: the system the exports come from
            source: \(scalar("urn:ferry:system:" + name))
            direction: read

            xml:

            """
        if !plan.bindings.isEmpty {
            text += "  namespaces:\n"
            for binding in plan.bindings {
                let uris = binding.uris.map(scalar)
                text +=
                    "    \(binding.prefix): \(uris.count == 1 ? uris[0] : "[" + uris.joined(separator: ", ") + "]")\n"
            }
            if let defaultPrefix = plan.defaultPrefix { text += "  default_namespace: \(defaultPrefix)\n" }
        }
        let recordsPath = records.nodes.map { plan.step(model.census, $0) }.joined(separator: "/")
        text += "  # The records: \(records.reason).\n"
        text += "  records: \(scalar(recordsPath))\n"
        text += "  unmapped: warn\n\nfields:\n"
        text += rules(model, classIndex: 0, indent: "  ")
        return text
    }

    private static func rules(_ model: DraftModel, classIndex: Int, indent: String) -> String {
        var text = ""
        for field in model.classes[classIndex].fields {
            switch field.type {
            case .object(let index):
                text += "\(indent)\(field.name):\n"
                text += "\(indent)  path: \(scalar(field.path))\n"
                text += "\(indent)  fields:\n"
                text += rules(model, classIndex: index, indent: indent + "    ")
            case .value(let reading, _):
                text += "\(indent)\(field.name): \(rule(path: field.path, reading: reading))\n"
            }
        }
        return text
    }

    /// A value's rule: the path alone when the field's type reads it by default.
    private static func rule(path: String, reading: ValueProfile.Reading) -> String {
        let path = scalar(path)
        switch reading {
        case .text, .integer, .boolean, .dateTime, .date(pattern: nil):
            return path
        case .date(let pattern?):
            return "{ path: \(path), date: \(scalar(pattern)) }"
        case .decimal(let format):
            var options: [String] = []
            if format.point != "." { options.append("point: \(scalar(String(format.point)))") }
            if !format.grouping.isEmpty {
                options.append("grouping: [" + format.grouping.map { scalar(String($0)) }.joined(separator: ", ") + "]")
            }
            if format.allowsExponent { options.append("exponent: true") }
            return options.isEmpty ? path : "{ path: \(path), decimal: { \(options.joined(separator: ", ")) } }"
        }
    }
}
