import Foundation
import FerryCore

/// The record's key: given by the maintainer, or the field the samples show once in every record
/// with a different value in each, names that read like identifiers first.
enum KeyChoice {
    /// Chooses and marks the key of the record class.
    /// - Parameter path: the key's input path relative to the record, local names (`regNum`,
    ///   `@id`), when the maintainer gave it.
    static func choose(in model: inout DraftModel, records: Int, path: String?) throws(DraftError) {
        let census = model.census
        let fields = model.classes[0].fields
        if let path {
            let wanted = path.split(separator: ":").last.map(String.init) ?? path
            guard
                let index = fields.firstIndex(where: { field in
                    census.path(of: field.node) == census.path(of: records) + "/"
                        + wanted.replacingOccurrences(of: "/@", with: "/")
                        || census.nodes[field.node].name == wanted && census.nodes[field.node].parent == records
                })
            else { throw DraftError("--key \(path): no field of the record is read from it") }
            guard case .value = fields[index].type, !fields[index].multivalued else {
                throw DraftError("--key \(path): the key must be a single value, not an object or a list")
            }
            model.setKey(at: index, note: "REVIEW: the key, given with --key")
            return
        }
        let records = census.nodes[records].occurrences
        let candidates = fields.indices.filter { index in
            let field = fields[index]
            guard case .value = field.type, field.required, !field.multivalued else { return false }
            let values = census.nodes[field.node].values
            return values.count == records && values.hasRepeatedValue == false
        }
        guard
            let best = candidates.min(by: { rank(fields[$0]) < rank(fields[$1]) })
        else {
            throw DraftError(
                "no field is present once in every record with a different value in each of the \(records): "
                    + "name the key with --key PATH")
        }
        let others = candidates.filter { $0 != best }.map { fields[$0].name }
        model.setKey(
            at: best,
            note: "REVIEW: the key: once in every one of the \(records) record(s), each value different"
                + (others.isEmpty ? "" : "; other candidates: " + others.joined(separator: ", ")))
    }

    /// Lower is better: identifier-like names, then text or integers, then document order.
    private static func rank(_ field: DraftModel.Field) -> (Int, Int, Int) {
        let name = field.name
        let identifierLike =
            ["id", "uuid", "guid", "key"].contains(where: { name == $0 || name.hasSuffix("_" + $0) })
            || ["reg_num", "registry_number", "registration_number", "number", "num"].contains(where: {
                name == $0 || name.hasSuffix("_" + $0)
            })
        let typeRank: Int
        switch field.type {
        case .value(.text, _), .value(.integer, _): typeRank = 0
        default: typeRank = 1
        }
        return (identifierLike ? 0 : 1, typeRank, field.node)
    }
}
