internal import CLibXML2
import FerryCore

/// A tree the selectors walk with simple paths: libxml2's nodes (``LibXMLTree``) or records
/// copied out of the reader (``RecordSnapshots``).
///
/// Both select and read values the same way.
protocol ElementTree {
    associatedtype Element

    /// Calls `body` with each child element of `element` that has a name, in document order.
    func forEachChild(of element: Element, named name: NodePath.Name, _ body: (Element) -> Void)
    /// The value of an attribute, when present.
    func attribute(_ element: Element, _ name: NodePath.Name) -> String?
    /// The element's string value: the text and CDATA below it, in document order.
    func stringValue(_ element: Element) -> String
}

extension ElementTree {
    /// The elements a path's element steps select from `element`, in document order.
    func elements(at path: NodePath, from element: Element) -> [Element] {
        var current = [element]
        for step in path.unretainedElements {
            var next: [Element] = []
            step._withUnsafeGuaranteedRef { name in
                for candidate in current { forEachChild(of: candidate, named: name) { next.append($0) } }
            }
            if next.isEmpty { return [] }
            current = next
        }
        return current
    }

    /// The raw text of each node a path selects: an element's string value or an attribute's value.
    func texts(at path: NodePath, from element: Element) -> [String] {
        if path.elements.isEmpty {
            // `@name` and `.` on the element itself: no selection needed.
            guard let attribute = path.attribute else { return [stringValue(element)] }
            return self.attribute(element, attribute).map { [$0] } ?? []
        }
        if path.elements.count == 1 {
            // The common case, a child's text or attribute: read it while walking the children.
            var texts: [String] = []
            forEachChild(of: element, named: path.elements[0]) { child in
                if let attribute = path.attribute {
                    if let value = self.attribute(child, attribute) { texts.append(value) }
                } else {
                    texts.append(stringValue(child))
                }
            }
            return texts
        }
        let elements = elements(at: path, from: element)
        if let attribute = path.attribute { return elements.compactMap { self.attribute($0, attribute) } }
        return elements.map(stringValue)
    }

    /// ``texts(at:from:)`` for a single-valued field: an attribute or the text of the element
    /// itself without an array; a child's text with one only when there are several children.
    func text(at path: NodePath, from element: Element) -> SelectedText {
        // The names are read without counting references, as this runs for every value.
        switch path.elements.count {
        case 0:
            guard let attribute = path.unretainedAttribute else { return .one(stringValue(element)) }
            return attribute._withUnsafeGuaranteedRef { self.attribute(element, $0) }.map(SelectedText.one) ?? .none
        case 1:
            var selected = SelectedText.none
            path.unretainedElements[0]._withUnsafeGuaranteedRef { name in
                forEachChild(of: element, named: name) { child in
                    let value: String?
                    if let attribute = path.unretainedAttribute {
                        value = attribute._withUnsafeGuaranteedRef { self.attribute(child, $0) }
                    } else {
                        value = stringValue(child)
                    }
                    guard let value else { return }
                    switch selected {
                    case .none: selected = .one(value)
                    case .one(let first): selected = .several([first, value])
                    case .several(var texts):
                        selected = .none  // keeps `texts` uniquely referenced while it grows
                        texts.append(value)
                        selected = .several(texts)
                    }
                }
            }
            return selected
        default:
            return SelectedText(texts(at: path, from: element))
        }
    }
}

/// libxml2's nodes of the record a reader is on, as an ``ElementTree``.
struct LibXMLTree: ElementTree {
    func forEachChild(of element: XMLElement, named name: NodePath.Name, _ body: (XMLElement) -> Void) {
        element.forEachChild(named: name, body)
    }

    func attribute(_ element: XMLElement, _ name: NodePath.Name) -> String? { element.attribute(name) }

    func stringValue(_ element: XMLElement) -> String { element.stringValue }
}
