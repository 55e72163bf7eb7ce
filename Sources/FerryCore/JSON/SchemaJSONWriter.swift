/// Writes the data of one schema's records byte for byte as ``JSONWriter`` does, with each
/// object's member names escaped, and put in RFC 8785 order, once when the writer is made
/// instead of for every record.
///
/// An object whose members are not a subset of its schema object's fields in schema order
/// (the order the mapper writes) is written by ``JSONWriter`` itself, so any data is written
/// correctly; only the usual case is faster.
public struct SchemaJSONWriter: Sendable {
    private let root: ObjectLayout

    /// Prepares a writer for the records of a schema.
    public init(schema: Schema) { root = ObjectLayout(schema.root) }

    /// Appends the data's bytes in the given form.
    public func write(_ data: JSONObject, form: JSONWriter.Form, into buffer: inout [UInt8]) {
        write(data, layout: root, writer: JSONWriter(form: form), into: &buffer)
    }

    private func write(_ object: JSONObject, layout: ObjectLayout, writer: JSONWriter, into buffer: inout [UInt8]) {
        let fieldCount = layout.names.count
        let written = object.members.withUnsafeBufferPointer { members in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: max(fieldCount, 1)) { memberOfField -> Bool in
                memberOfField.initialize(repeating: -1)
                // Members must be schema fields in schema order; the search resumes after the last match.
                var nextField = 0
                for member in members.indices {
                    let key = members[member].key
                    guard let field = (nextField..<fieldCount).first(where: { layout.names[$0] == key }) else { return false }
                    memberOfField[field] = member
                    nextField = field + 1
                }
                buffer.append(UInt8(ascii: "{"))
                var first = true
                let order = writer.form == .canonical ? layout.canonicalOrder : layout.schemaOrder
                for field in order where memberOfField[field] >= 0 {
                    if !first { buffer.append(UInt8(ascii: ",")) }
                    first = false
                    buffer.append(contentsOf: layout.keys[field])
                    write(members[memberOfField[field]].value, nested: layout.nested[field], writer: writer, into: &buffer)
                }
                buffer.append(UInt8(ascii: "}"))
                return true
            }
        }
        if !written { writer.write(.object(object), into: &buffer) }
    }

    private func write(_ value: JSONValue, nested: ObjectLayout?, writer: JSONWriter, into buffer: inout [UInt8]) {
        switch value {
        case .object(let object) where nested != nil:
            write(object, layout: nested!, writer: writer, into: &buffer)
        case .array(let items) where nested != nil:
            buffer.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                write(item, nested: nested, writer: writer, into: &buffer)
            }
            buffer.append(UInt8(ascii: "]"))
        default:
            writer.write(value, into: &buffer)
        }
    }
}

/// A schema object's fields as the writer needs them: names, the bytes `"name":`, both member
/// orders, and the layouts of nested objects.
private final class ObjectLayout: Sendable {
    let names: [String]
    let keys: [[UInt8]]
    let schemaOrder: [Int]
    let canonicalOrder: [Int]
    let nested: [ObjectLayout?]

    init(_ type: ObjectType) {
        let names = type.fields.map(\.name)
        self.names = names
        keys = names.map { name in
            var key: [UInt8] = []
            JSONWriter.writeString(name, into: &key)
            key.append(UInt8(ascii: ":"))
            return key
        }
        schemaOrder = Array(names.indices)
        canonicalOrder = names.indices.sorted { JSONWriter.precedesInUTF16(names[$0], names[$1]) }
        nested = type.fields.map { field in
            if case .object(let objectType) = field.type { return ObjectLayout(objectType) }
            return nil
        }
    }
}
