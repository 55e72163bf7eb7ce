import FerryCore

/// The values of a mapping's header paths (``XMLBinding/headerPaths``): elements and attributes
/// outside the records, read before the first record, which every record of the document sees.
///
/// Both record readers feed it the events they see outside the records. A header path that
/// matches only after the first record has begun is kept as late (a warning), and no record
/// sees a value for it. The text kept is bounded (``maximumBytes``).
struct HeaderCapture {
    /// The most text all header values of a document may hold together: 64 KiB.
    static let maximumBytes = 64 << 10
    /// What a reader says when a document's header values pass ``maximumBytes``.
    static let limitMessage = "the header values are longer than \(maximumBytes) bytes"

    let paths: [NodePath]
    /// The values found, by path.
    private(set) var values: [ObjectIdentifier: String] = [:]
    /// Header paths that matched only after the first record, with the line where.
    private(set) var late: [(path: NodePath, line: Int)] = []
    /// Whether the first record has begun: what matches from then on is late.
    var recordsBegan = false
    /// The elements open outside the records, from the root: namespace URI and local name.
    private var open: [(namespace: [UInt8], local: [UInt8])] = []
    /// The element paths whose text is being read, with the depth of their element.
    private var reading: [(path: NodePath, depth: Int, text: [UInt8])] = []
    private var bytes = 0

    init(paths: [NodePath]) { self.paths = paths }

    /// Whether there is nothing to capture: the readers skip every call then.
    var isEmpty: Bool { paths.isEmpty }

    /// An element outside the records starts at `depth` (0 for the root).
    /// - Parameter attributes: its attributes, namespace URI, local name and value.
    /// - Returns: false when the values grew past ``maximumBytes``.
    mutating func elementStarts(
        namespace: [UInt8], local: [UInt8], depth: Int, line: Int,
        attributes: () -> [(namespace: [UInt8], local: [UInt8], value: String)]
    ) -> Bool {
        open.removeSubrange(min(depth, open.count)...)
        open.append((namespace, local))
        for path in paths where path.elements.count == open.count && matches(path.elements) {
            let key = ObjectIdentifier(path)
            guard values[key] == nil else { continue }
            if recordsBegan {
                if !late.contains(where: { $0.path === path }) { late.append((path, line)) }
                continue
            }
            if let attribute = path.attribute {
                guard
                    let value = attributes().first(where: {
                        $0.local == attribute.local && attribute.isIn(namespace: $0.namespace)
                    })?.value
                else { continue }
                values[key] = value
                bytes += value.utf8.count
            } else {
                reading.append((path, depth, []))
            }
        }
        return bytes <= Self.maximumBytes
    }

    /// Text outside the records.
    /// - Returns: false when the values grew past ``maximumBytes``.
    mutating func text(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !reading.isEmpty else { return true }
        for index in reading.indices { reading[index].text.append(contentsOf: text) }
        bytes += text.count * reading.count
        return bytes <= Self.maximumBytes
    }

    /// The element at `depth` outside the records ends.
    mutating func elementEnds(depth: Int) {
        while let last = reading.last, last.depth >= depth {
            reading.removeLast()
            values[ObjectIdentifier(last.path)] = String(decoding: last.text, as: UTF8.self)
        }
    }

    private func matches(_ elements: [NodePath.Name]) -> Bool {
        zip(elements, open).allSatisfy { name, element in
            name.local == element.local && name.isIn(namespace: element.namespace)
        }
    }
}
