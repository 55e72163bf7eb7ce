/// A reference the mapping plan keeps alive, read in the record loop without counting it.
///
/// Swift retains and releases a class reference loaded out of another object around each call
/// it is passed to; in the record loop that is several atomic pairs for every field of every
/// record, a sixth of a conversion's CPU. The plan's objects are immutable and outlive every
/// walk, so the loop borrows them for the call instead
/// (``Unmanaged/_withUnsafeGuaranteedRef(_:)``).
///
/// Invariant: whoever makes one keeps the object alive for as long as the value is used
/// (``ObjectPlan`` holds its bindings, its nested plans and its schema object).
struct Unretained<Object: AnyObject>: @unchecked Sendable {
    private let reference: Unmanaged<Object>

    /// Refers to `object`, which the caller keeps alive.
    init(_ object: Object) { reference = .passUnretained(object) }

    /// Calls `body` with the object, borrowed for the call.
    @inline(__always)
    func with<Result, Failure: Error>(_ body: (Object) throws(Failure) -> Result) throws(Failure) -> Result {
        let result: Swift.Result<Result, Failure> = reference._withUnsafeGuaranteedRef { object in
            Swift.Result { () throws(Failure) -> Result in try body(object) }
        }
        return try result.get()
    }
}
