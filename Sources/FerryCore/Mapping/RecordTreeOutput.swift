/// Builds a record's data as a ``JSONObject`` tree, members in the schema's order.
package struct RecordTreeOutput: RecordOutput {
    private enum Frame {
        case object(JSONObject, key: String)
        case list([JSONValue])
    }

    private var frames: [Frame] = []
    /// The record's data, once the walk has ended it.
    package private(set) var data = JSONObject()

    /// Creates an empty output.
    package init() {}

    package mutating func beginObject(_ plan: ObjectPlan) {
        var object = JSONObject()
        object.reserveCapacity(plan.object.fields.count)
        frames.append(.object(object, key: ""))
    }

    package mutating func beginField(_ index: Int, of plan: ObjectPlan) {
        guard case .object(let object, _) = frames.removeLast() else { return }
        frames.append(.object(object, key: plan.object.fields[index].definition.name))
    }

    package func endField(_ index: Int, of plan: ObjectPlan, kept: Bool) {}

    package mutating func endObject(_ plan: ObjectPlan, isRoot: Bool) {
        guard case .object(let object, _) = frames.removeLast() else { return }
        if isRoot {
            data = object
        } else if !object.isEmpty {
            write(.object(object))
        }
    }

    package mutating func beginList() { frames.append(.list([])) }

    package func beginItem() {}

    package func endItem(kept: Bool) {}

    package mutating func endList() {
        guard case .list(let items) = frames.removeLast(), !items.isEmpty else { return }
        write(.array(items))
    }

    package mutating func write(_ value: JSONValue) {
        switch frames.popLast() {
        case .object(var object, let key)?:
            object.appendNew(key, value)
            frames.append(.object(object, key: key))
        case .list(var items)?:
            items.append(value)
            frames.append(.list(items))
        case nil:
            break
        }
    }

    package mutating func writeString(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        write(.string(String(decoding: bytes, as: UTF8.self)))
    }
}
