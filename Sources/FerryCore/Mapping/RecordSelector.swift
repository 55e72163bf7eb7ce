/// Reads values out of one input record for the mapper; FerryXML implements it over libxml2.
///
/// The mapper owns all typing and policy; a selector only finds nodes and returns their raw
/// text. Selectors are synchronous and single-owner, like the readers that create them.
public protocol RecordSelector {
    /// A node of the record: the record element or an element inside it.
    associatedtype Element

    /// The elements a path selects from `element`, in document order (`.` selects `element`).
    func elements(at path: NodePath, from element: Element) -> [Element]

    /// The raw text of each node a path selects: an element's string value or an attribute's value.
    func texts(at path: NodePath, from element: Element) -> [String]

    /// The value of an absolute path: an attribute of an element above the records.
    func headerValue(at path: NodePath) -> String?

    /// Evaluates XPath expression number `index` of the mapping with `element` as context node.
    /// - Returns: the expression's string value; nil when it is empty.
    func xpathString(_ index: Int, from element: Element) -> String?
}
