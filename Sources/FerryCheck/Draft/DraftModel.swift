import FerryCore

/// What a draft proposes: the record's classes and fields, each field with the input path it is
/// read from, its type and cardinality as the samples show them, and notes for the maintainer
/// on what the samples cannot settle.
struct DraftModel {
    /// A field of a class: a schema attribute and the mapping rule that fills it.
    struct Field {
        var name: String
        /// The mapping path relative to the class's element.
        var path: String
        /// The census node whose values or children it holds.
        var node: Int
        var type: FieldType
        var multivalued: Bool
        var required: Bool
        /// Comments for the maintainer, written beside the field.
        var notes: [String] = []
    }

    enum FieldType {
        case value(ValueProfile.Reading, ValueProfile.TextReason?)
        /// An object: the index of its class.
        case object(Int)
    }

    /// An object type: the record class first.
    struct Class {
        var name: String
        var fields: [Field] = []
    }

    private(set) var classes: [Class]
    let census: PathCensus
    let namespaces: NamespacePlan
    private var classNames: Set<String>

    /// Drafts the classes of the record at `record`, named `recordClass`.
    init(census: PathCensus, record: Int, recordClass: String, namespaces: NamespacePlan) {
        self.census = census
        self.namespaces = namespaces
        classes = [Class(name: recordClass)]
        classNames = [recordClass]
        classes[0].fields = fields(of: record)
    }

    /// The fields of an element's class, in the order the samples first showed them.
    private mutating func fields(of element: Int) -> [Field] {
        var result: [Field] = []
        var taken: Set<String> = []
        func add(_ field: Field) {
            var field = field
            field.name = DraftNaming.unique(field.name, in: taken)
            taken.insert(field.name)
            result.append(field)
        }
        let instances = census.nodes[element].occurrences
        for child in census.nodes[element].children {
            let entry = census.nodes[child]
            let step = namespaces.step(census, child)
            let name = DraftNaming.fieldName(String(entry.name.drop(while: { $0 == "@" })))
            let multivalued = entry.mostInOneParent > 1
            let inEveryParent = entry.parentsHolding == instances
            if !entry.hasChildren {
                add(value(child, name: name, path: step, multivalued: multivalued, inEveryParent: inEveryParent))
                continue
            }
            let elements = entry.children.filter { !census.nodes[$0].isAttribute }
            let attributes = entry.children.filter { census.nodes[$0].isAttribute }
            var notes: [String] = []
            if entry.instancesWithMixedText > 0 {
                notes.append(
                    "REVIEW: \(entry.instancesWithMixedText) \(census.path(of: child)) had text beside elements; only the elements are drafted"
                )
            }
            if attributes.isEmpty, elements.count == 1, let item = elements.first, !multivalued,
                census.nodes[item].mostInOneParent > 1 || Self.isPlural(entry.name, of: census.nodes[item].name)
            {
                // A wrapper of one repeated element is a list of it: suppliers/supplier.
                let itemEntry = census.nodes[item]
                let path = step + "/" + namespaces.step(census, item)
                if itemEntry.mostInOneParent <= 1 {
                    notes.append(
                        "REVIEW: a list by its name (\(entry.name) holds only \(itemEntry.name)); the samples have at most one"
                    )
                }
                if itemEntry.hasChildren {
                    let itemClass = makeClass(for: item, name: DraftNaming.fieldName(itemEntry.name))
                    add(
                        Field(
                            name: name, path: path, node: item, type: .object(itemClass), multivalued: true,
                            required: false, notes: notes))
                } else {
                    var field = value(item, name: name, path: path, multivalued: true, inEveryParent: false)
                    field.notes = notes + field.notes
                    add(field)
                }
                continue
            }
            if elements.isEmpty && !multivalued {
                // Text with attributes, once: its text and each attribute as fields beside it.
                if census.nodes[child].values.count > 0 {
                    add(value(child, name: name, path: step, multivalued: false, inEveryParent: inEveryParent))
                }
                for attribute in attributes {
                    let attributeName = DraftNaming.fieldName(String(census.nodes[attribute].name.dropFirst()))
                    add(
                        value(
                            attribute, name: name + "_" + attributeName,
                            path: step + "/" + namespaces.step(census, attribute),
                            multivalued: false,
                            inEveryParent: inEveryParent && census.nodes[attribute].parentsHolding == entry.occurrences)
                    )
                }
                continue
            }
            let objectClass = makeClass(for: child, name: name)
            add(
                Field(
                    name: name, path: step, node: child, type: .object(objectClass), multivalued: multivalued,
                    required: !multivalued && inEveryParent, notes: notes))
        }
        return result
    }

    private mutating func makeClass(for element: Int, name: String) -> Int {
        let className = DraftNaming.unique(DraftNaming.className(name), in: classNames, separator: "")
        classNames.insert(className)
        let index = classes.count
        classes.append(Class(name: className))
        var fields = fields(of: element)
        if census.nodes[element].values.count > 0 {
            // Text beside attributes, in a list of such elements: the element's own text.
            fields.insert(
                value(
                    element, name: DraftNaming.unique("value", in: Set(fields.map(\.name))), path: ".",
                    multivalued: false, inEveryParent: false), at: 0)
        }
        classes[index].fields = fields
        return index
    }

    /// Whether a wrapper's name is the plural of its item's: `suppliers`/`supplier`,
    /// `entries`/`entry`, `productList`/`product`, `Товары`/`Товар`.
    static func isPlural(_ wrapper: String, of item: String) -> Bool {
        let (wrapper, item) = (wrapper.lowercased(), item.lowercased())
        if item.hasSuffix("y") && wrapper == item.dropLast() + "ies" { return true }
        return ["s", "es", "list", "_list", "ы", "и"].contains { wrapper == item + $0 }
    }

    /// Whether a field's name says it holds a code, whose digits are not a quantity.
    static func namesACode(_ field: String) -> Bool {
        field.split(separator: "_").contains {
            ["code", "kod", "okpo", "oktmo", "okved", "kbk", "kvr", "inn", "kpp", "ogrn"].contains($0)
        }
    }

    private func value(_ node: Int, name: String, path: String, multivalued: Bool, inEveryParent: Bool) -> Field {
        let values = census.nodes[node].values
        var (reading, reason) = values.reading
        if reading == .integer && Self.namesACode(name) { (reading, reason) = (.text, .digitCode) }
        var notes: [String] = []
        switch reason {
        case .localDateTime(let pattern):
            notes.append(
                "REVIEW: local date-times (\(pattern)) without an offset: read as text. For a datetime, "
                    + "give zone: NAME or offset: { const: \"+03:00\" } in the mapping and range: datetime here")
        case .digitCode:
            notes.append("digits kept as text: a code or an identifier, not a quantity")
        case .plain where values.count == 0:
            notes.append("REVIEW: always empty in the samples")
        default:
            break
        }
        let required = !multivalued && inEveryParent && values.emptyCount == 0 && values.count > 0
        return Field(
            name: name, path: path, node: node, type: .value(reading, reason), multivalued: multivalued,
            required: required, notes: notes)
    }

    /// Marks a field of the record class as the key.
    mutating func setKey(at index: Int, note: String) {
        classes[0].fields[index].required = true
        classes[0].fields[index].notes.insert(note, at: 0)
        key = index
    }

    /// The record class's key field.
    private(set) var key: Int?
}
