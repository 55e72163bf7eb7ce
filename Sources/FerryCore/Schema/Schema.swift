/// One record type as its schema file defines it: fields, constraints, markings and rules.
///
/// Schemas are a strict profile of LinkML; Ferry's additions are LinkML `annotations`
/// (see `docs/schema-language.md`). A loaded schema is immutable and shared between tasks.
public struct Schema: Sendable {
    /// The record type, for example `personnel.record`.
    public var recordType: String
    /// The schema's version as written, for example `1.0.0`.
    public var version: String
    /// The major version, carried in `dataschema`.
    public var majorVersion: Int
    /// The record-level marking before rules raise it.
    public var defaultMarking: Marking
    /// The field whose value is the record's key (`subject`).
    public var keyField: String
    /// The record's fields, in schema order.
    public var root: ObjectType
    /// Cross-field rules: when the precondition holds, the postcondition must hold.
    public var rules: [ConditionalRule]
    /// Rules that raise the record's marking.
    public var markingRules: [MarkingRule]
    /// Where the schema was loaded from.
    public var path: String

    /// `urn:ferry:schema:<type>:<major version>`.
    public var dataschema: String { "urn:ferry:schema:\(recordType):\(majorVersion)" }
}

/// An object's fields, in order.
public struct ObjectType: Sendable {
    /// The LinkML class name.
    public var name: String
    /// The fields, in schema order.
    public var fields: [FieldDefinition]

    /// The field with this name.
    public func field(named name: String) -> FieldDefinition? { fields.first { $0.name == name } }
}
