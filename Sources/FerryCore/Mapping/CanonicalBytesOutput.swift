/// Writes a record's data straight as bytes, in two forms at once.
///
/// The forms are `ordered`, members in the schema's order as ``JSONWriter`` writes a record's
/// data, and `canonical`, RFC 8785 (members in UTF-16 order, numbers in their shortest form)
/// as the record's id hashes it. No tree is built, walked and freed per record.
///
/// Every value is written at the end of `ordered`. A value whose canonical form differs (a
/// number, a list, an object) is written at the end of `canonical` too; a string, boolean or
/// integer that is an object's member is not copied, as its canonical form is its bytes in
/// `ordered`. When an object ends, its members are put in RFC 8785 order, each from the buffer
/// that holds its canonical form, at the end of `canonical`: when the record's data ends,
/// `canonical` is its canonical form. Inside a list every value goes to both, as a list's
/// canonical form is built as it goes. Buffers are kept from record to record.
package struct CanonicalBytesOutput: RecordOutput {
    /// The data in the schema's order.
    package private(set) var ordered: [UInt8] = []
    /// The data in RFC 8785 order, once the record's data has ended.
    package private(set) var canonical: [UInt8] = []
    /// Where an object's members are put in RFC 8785 order.
    private var assembly: [UInt8] = []
    /// The open objects: where each starts, where its fields' spans are, how many it holds,
    /// and how many lists were open when it began (more are open inside one of its fields).
    private var objects: [(ordered: Int, canonical: Int, spans: Int, present: Int, lists: Int)] = []
    /// The open objects' fields, by field number: where each kept value's canonical form is,
    /// in `canonical` or (for a member copied nowhere) in `ordered`.
    private var spans: [(range: Range<Int>, inCanonical: Bool)] = []
    /// The open fields and items: where each starts in both buffers, and where its value
    /// starts in `ordered` (after a field's name).
    private var marks: [(ordered: Int, value: Int, canonical: Int)] = []
    /// The open lists: how many items each holds so far.
    private var lists: [Int] = []

    /// Creates empty buffers.
    package init() {}

    /// Empties the buffers for the next record, keeping their capacity.
    package mutating func reset() {
        ordered.removeAll(keepingCapacity: true)
        canonical.removeAll(keepingCapacity: true)
        objects.removeAll(keepingCapacity: true)
        spans.removeAll(keepingCapacity: true)
        marks.removeAll(keepingCapacity: true)
        lists.removeAll(keepingCapacity: true)
    }

    package mutating func beginObject(_ plan: ObjectPlan) {
        objects.append((ordered.count, canonical.count, spans.count, 0, lists.count))
        spans.append(contentsOf: repeatElement((range: 0..<0, inCanonical: false), count: plan.object.fields.count))
        ordered.append(UInt8(ascii: "{"))
    }

    package mutating func beginField(_ index: Int, of plan: ObjectPlan) {
        let start = ordered.count
        if objects[objects.count - 1].present > 0 { ordered.append(UInt8(ascii: ",")) }
        plan.appendKey(index, to: &ordered)
        marks.append((start, ordered.count, canonical.count))
    }

    package mutating func endField(_ index: Int, of plan: ObjectPlan, kept: Bool) {
        let mark = marks.removeLast()
        let object = objects.count - 1
        if kept {
            // A value that wrote nothing to `canonical` is its own canonical form.
            spans[objects[object].spans + index] =
                canonical.count > mark.canonical
                ? (mark.canonical..<canonical.count, true) : (mark.value..<ordered.count, false)
            objects[object].present += 1
        } else {
            ordered.removeSubrange(mark.ordered...)
            canonical.removeSubrange(mark.canonical...)
        }
    }

    package mutating func endObject(_ plan: ObjectPlan, isRoot: Bool) {
        let object = objects.removeLast()
        defer { spans.removeSubrange(object.spans...) }
        guard object.present > 0 else {
            ordered.removeSubrange(object.ordered...)
            canonical.removeSubrange(object.canonical...)
            if isRoot {
                appendToBoth(UInt8(ascii: "{"))
                appendToBoth(UInt8(ascii: "}"))
            }
            return
        }
        ordered.append(UInt8(ascii: "}"))
        // The members are copied through buffer pointers: a slice would retain and release its
        // buffer's storage for every member.
        var assembly: [UInt8] = []
        swap(&assembly, &self.assembly)
        assembly.removeAll(keepingCapacity: true)
        assembly.append(UInt8(ascii: "{"))
        ordered.withUnsafeBufferPointer { ordered in
            canonical.withUnsafeBufferPointer { canonical in
                var first = true
                for index in plan.canonicalOrder {
                    let span = spans[object.spans + index]
                    guard !span.range.isEmpty else { continue }
                    if !first { assembly.append(UInt8(ascii: ",")) }
                    first = false
                    plan.appendKey(index, to: &assembly)
                    assembly.append(
                        contentsOf: UnsafeBufferPointer(rebasing: (span.inCanonical ? canonical : ordered)[span.range]))
                }
            }
        }
        assembly.append(UInt8(ascii: "}"))
        canonical.replaceSubrange(object.canonical..., with: assembly)
        swap(&assembly, &self.assembly)
    }

    package mutating func beginList() {
        appendToBoth(UInt8(ascii: "["))
        lists.append(0)
    }

    package mutating func beginItem() {
        marks.append((ordered.count, ordered.count, canonical.count))
        if lists[lists.count - 1] > 0 { appendToBoth(UInt8(ascii: ",")) }
    }

    package mutating func endItem(kept: Bool) {
        let mark = marks.removeLast()
        if kept {
            lists[lists.count - 1] += 1
        } else {
            ordered.removeSubrange(mark.ordered...)
            canonical.removeSubrange(mark.canonical...)
        }
    }

    package mutating func endList() {
        lists.removeLast()
        appendToBoth(UInt8(ascii: "]"))
    }

    package mutating func write(_ value: JSONValue) {
        switch value {
        case .number(let number):
            number.write(canonical: false, into: &ordered)
            number.write(canonical: true, into: &canonical)
        default:
            let start = ordered.count
            JSONWriter().write(value, into: &ordered)
            copyToCanonicalInList(orderedFrom: start)
        }
    }

    package mutating func writeString(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        let start = ordered.count
        JSONWriter.writeString(utf8: bytes, into: &ordered)
        copyToCanonicalInList(orderedFrom: start)
    }

    /// Inside a list, appends what `ordered` holds from `start` on to `canonical`.
    ///
    /// It copies through a buffer pointer (a slice would retain and release the storage for
    /// every value). An object's member is not copied: ``endObject(_:isRoot:)`` takes it from
    /// `ordered`.
    private mutating func copyToCanonicalInList(orderedFrom start: Int) {
        // The innermost container is a list when more lists are open than when the innermost
        // object began.
        guard lists.count > objects[objects.count - 1].lists else { return }
        var canonical: [UInt8] = []
        swap(&canonical, &self.canonical)
        ordered.withUnsafeBufferPointer { canonical.append(contentsOf: UnsafeBufferPointer(rebasing: $0[start...])) }
        swap(&canonical, &self.canonical)
    }

    private mutating func appendToBoth(_ byte: UInt8) {
        ordered.append(byte)
        canonical.append(byte)
    }
}
