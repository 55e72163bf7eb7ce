/// What a ``MappingPlan`` walk builds from the values it maps: the walk is generic over it, so
/// one walk gives a record tree (``RecordTreeOutput``), a record's canonical bytes
/// (``CanonicalBytesOutput``) or nothing (``DiscardingOutput``, when only the problems are
/// wanted).
///
/// The walk calls it in the schema's order of fields: objects hold fields, fields hold a value,
/// a list or an object, lists hold items. A field or item ended as not kept, and an object or
/// list ended empty, leave nothing behind.
package protocol RecordOutput {
    /// Starts an object: the record's data, or an object inside it.
    mutating func beginObject(_ plan: ObjectPlan)
    /// Starts field number `index` (in the schema's order) of the innermost object.
    mutating func beginField(_ index: Int, of plan: ObjectPlan)
    /// Ends the field begun last; `kept` is false when it has no value.
    mutating func endField(_ index: Int, of plan: ObjectPlan, kept: Bool)
    /// Ends the innermost object; the record's data is written as `{}` when it has no field kept.
    mutating func endObject(_ plan: ObjectPlan, isRoot: Bool)
    /// Starts a list in the field begun last.
    mutating func beginList()
    /// Starts an item of the innermost list.
    mutating func beginItem()
    /// Ends the item begun last; `kept` is false when it has no value.
    mutating func endItem(kept: Bool)
    /// Ends the innermost list.
    mutating func endList()
    /// Writes a scalar value.
    mutating func write(_ value: JSONValue)
    /// Writes a string value given as UTF-8 that is already folded and normalized.
    mutating func writeString(utf8 bytes: UnsafeBufferPointer<UInt8>)
}

/// Builds nothing: for walks that only collect a record's problems.
package struct DiscardingOutput: RecordOutput {
    /// Creates the output.
    package init() {}

    package func beginObject(_ plan: ObjectPlan) {}
    package func beginField(_ index: Int, of plan: ObjectPlan) {}
    package func endField(_ index: Int, of plan: ObjectPlan, kept: Bool) {}
    package func endObject(_ plan: ObjectPlan, isRoot: Bool) {}
    package func beginList() {}
    package func beginItem() {}
    package func endItem(kept: Bool) {}
    package func endList() {}
    package func write(_ value: JSONValue) {}
    package func writeString(utf8 bytes: UnsafeBufferPointer<UInt8>) {}
}
