/// A node of the record being read: the record element or an element inside it.
///
/// An opaque handle owned by the reader that produced it, valid only while that reader stays
/// on the record. The mapper never looks inside; only the selector that made it does.
public struct RecordNode {
    /// The reader's own reference to the node.
    package let handle: UnsafeMutableRawPointer

    /// Wraps a reader's reference.
    package init(handle: UnsafeMutableRawPointer) { self.handle = handle }
}

/// Reads values out of one input record for the mapper; FerryXML implements it over libxml2.
///
/// The mapper owns all typing and policy; a selector only finds nodes and returns their raw
/// text. Selectors are synchronous and single-owner, like the readers that create them.
public protocol RecordSelector {
    /// The elements a path selects from `node`, in document order (`.` selects `node`).
    func elements(at path: NodePath, from node: RecordNode) -> [RecordNode]

    /// The raw text of each node a path selects: an element's string value or an attribute's value.
    func texts(at path: NodePath, from node: RecordNode) -> [String]

    /// What ``texts(at:from:)`` gives, without building an array for the common single node.
    func text(at path: NodePath, from node: RecordNode) -> SelectedText

    /// The value of an absolute path: an attribute of an element above the records.
    func headerValue(at path: NodePath) -> String?

    /// Evaluates XPath expression number `index` of the mapping with `node` as context node.
    /// - Returns: the expression's string value; nil when it is empty.
    func xpathString(_ index: Int, from node: RecordNode) -> String?

    /// Calls `body` with the UTF-8 bytes of the one node a path selects, read in place, when the
    /// selector holds them in one piece; with nil otherwise (no node, several, or text in
    /// pieces), and the caller then reads ``text(at:from:)``.
    func withTextInPlace<Result>(
        at path: NodePath, from node: RecordNode,
        _ body: (UnsafeBufferPointer<UInt8>?) -> Result
    ) -> Result
}

extension RecordSelector {
    /// Selectors without text in place give nil: callers read ``text(at:from:)``.
    public func withTextInPlace<Result>(
        at path: NodePath, from node: RecordNode,
        _ body: (UnsafeBufferPointer<UInt8>?) -> Result
    ) -> Result {
        body(nil)
    }
}

/// The raw text a path selects for a single-valued field.
public enum SelectedText {
    /// The path selects nothing.
    case none
    /// The path selects one node.
    case one(String)
    /// The path selects several nodes; their texts in document order.
    case several([String])

    /// The texts of `texts`, as a selection.
    public init(_ texts: [String]) {
        switch texts.count {
        case 0: self = .none
        case 1: self = .one(texts[0])
        default: self = .several(texts)
        }
    }

    /// The first text, when there is one.
    public var first: String? {
        switch self {
        case .none: nil
        case .one(let text): text
        case .several(let texts): texts.first
        }
    }
}
