/// A value one thread hands over to another, which alone uses it from then on.
///
/// `@unchecked Sendable`: the handing thread does not touch `value` after it has started the
/// receiving one, so the value is never used by two threads, whatever its type.
final class HandedOver<Value>: @unchecked Sendable {
    /// The value handed over.
    let value: Value

    /// Wraps `value` for the thread it is handed to.
    init(_ value: Value) { self.value = value }
}
