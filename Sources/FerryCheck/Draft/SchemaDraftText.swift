import Foundation
import FerryCore

extension DraftText {
    /// The drafted schema: the record class first, marked at the most restrictive level.
    static func schema(_ model: DraftModel, recordType: String, samples: Int) -> String {
        var text = """
            # Drafted by ferry draft from \(samples) sample(s). Lines marked REVIEW need a decision the
            # samples cannot make. Run ferry check after each change.
            id: urn:ferry:schema:\(recordType)
            name: \(scalar(recordType.replacingOccurrences(of: ".", with: "_").replacingOccurrences(of: "-", with: "_")))
            title: \(scalar(recordType))
            description: \(scalar("Records of type \(recordType), drafted from sample exports."))
            version: 1.0.0
            prefixes:
              linkml: https://w3id.org/linkml/
              ferry: "urn:ferry:"
            default_prefix: ferry
            default_range: string
            imports:
              - linkml:types

            classes:

            """
        for (classIndex, type) in model.classes.enumerated() {
            text += "  \(type.name):\n"
            if classIndex == 0 {
                text += """
                        tree_root: true
                        annotations:
                          ferry_record_type: \(scalar(recordType))
                          # REVIEW: the most restrictive marking until someone who knows the data lowers it
                          # (public < internal < restricted < secret); a field above the record's gets its own.
                          ferry_marking: secret

                    """
            }
            text += "    attributes:\n"
            for (fieldIndex, field) in type.fields.enumerated() {
                text += comments(field.notes, indent: "      ")
                text += "      \(field.name):\n"
                if classIndex == 0 && fieldIndex == model.key { text += "        identifier: true\n" }
                if field.required {
                    let parent = model.census.nodes[model.census.nodes[field.node].parent ?? 0]
                    text +=
                        "        required: true  # REVIEW: in every \(parent.name) of the samples (\(parent.occurrences))\n"
                }
                text += "        range: \(range(field, model))\n"
                if field.multivalued { text += "        multivalued: true\n" }
            }
        }
        return text
    }

    private static func range(_ field: DraftModel.Field, _ model: DraftModel) -> String {
        switch field.type {
        case .object(let index): return model.classes[index].name
        case .value(let reading, _):
            switch reading {
            case .text: return "string"
            case .integer: return "integer"
            case .decimal: return "decimal"
            case .boolean: return "boolean"
            case .date: return "date"
            case .dateTime: return "datetime"
            }
        }
    }
}
