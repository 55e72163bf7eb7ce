internal import CLibYAML
public import FerryCore

/// Reads YAML documents into ``DocumentNode`` trees with libyaml's event parser, one
/// document at a time, pulling input through a read handler.
///
/// Aliases are resolved as they are read; the total size they expand to is bounded by
/// ``Limits/maximumNodes``, so an alias bomb is refused instead of exhausting memory.
/// The loader is single-owner and not `Sendable`; it frees its libyaml parser on deinit.
public final class YAMLLoader {
    /// Bounds on what one stream may build.
    public struct Limits: Sendable {
        /// Most nodes one document may expand to, aliases counted at their full size.
        ///
        /// Default 1,000,000.
        public var maximumNodes = 1_000_000
        /// Deepest nesting of collections.
        ///
        /// Default 512.
        public var maximumDepth = 512

        /// The defaults.
        public init() {}
    }

    private var parser = yaml_parser_t()
    private let path: String
    private let limits: Limits
    private var input: any ByteStream
    private var inputError: (any Error)?
    private var finished = false

    /// Creates a loader.
    /// - Parameters:
    ///   - input: the YAML bytes, read in chunks.
    ///   - path: the name used in locations.
    public init(input: any ByteStream, path: String, limits: Limits = Limits()) {
        self.input = input
        self.path = path
        self.limits = limits
        yaml_parser_initialize(&parser)
        yaml_parser_set_input(
            &parser,
            { context, buffer, size, sizeRead in
                guard let context, let buffer, let sizeRead else { return 0 }
                let loader = Unmanaged<YAMLLoader>.fromOpaque(context).takeUnretainedValue()
                do {
                    sizeRead.pointee = try loader.input.read(
                        into: UnsafeMutableRawBufferPointer(start: buffer, count: size))
                    return 1
                } catch {
                    loader.inputError = error
                    return 0
                }
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit { yaml_parser_delete(&parser) }

    /// Loads every document of a byte buffer.
    public static func loadAll(_ bytes: [UInt8], path: String) throws(YAMLError) -> [DocumentNode] {
        let loader = YAMLLoader(input: MemoryByteStream(bytes), path: path)
        var documents: [DocumentNode] = []
        while let document = try loader.nextDocument() { documents.append(document) }
        return documents
    }

    /// Reads the next document of the stream.
    /// - Returns: the document's root node, or nil after the last document.
    /// - Throws: ``YAMLError`` at the first syntax error or exceeded limit.
    public func nextDocument() throws(YAMLError) -> DocumentNode? {
        guard !finished else { return nil }
        var builder = TreeBuilder(limits: limits)
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { throw parserError() }
            defer { yaml_event_delete(&event) }
            let location = self.location(event.start_mark)
            switch event.type {
            case YAML_STREAM_END_EVENT:
                finished = true
                return nil
            case YAML_DOCUMENT_END_EVENT:
                return builder.root ?? DocumentNode(.scalar("", .plain), at: location)
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let text = String(
                    decoding: UnsafeRawBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                let style: DocumentNode.ScalarStyle = scalar.style == YAML_PLAIN_SCALAR_STYLE ? .plain : .quoted
                let node = DocumentNode(.scalar(text, style), at: location, tag: string(scalar.tag))
                try builder.add(node, anchor: string(scalar.anchor), size: 1)
            case YAML_SEQUENCE_START_EVENT:
                try builder.open(
                    .sequence([]), at: location, tag: string(event.data.sequence_start.tag),
                    anchor: string(event.data.sequence_start.anchor))
            case YAML_MAPPING_START_EVENT:
                try builder.open(
                    .mapping([]), at: location, tag: string(event.data.mapping_start.tag),
                    anchor: string(event.data.mapping_start.anchor))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                try builder.close()
            case YAML_ALIAS_EVENT:
                let name = string(event.data.alias.anchor) ?? ""
                guard let (node, size) = builder.anchors[name] else {
                    throw YAMLError("unknown alias *\(name)", at: location)
                }
                var aliased = node
                aliased.location = location
                try builder.add(aliased, anchor: nil, size: size)
            default:
                continue
            }
        }
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }

    private func location(_ mark: yaml_mark_t) -> DocumentLocation {
        DocumentLocation(path: path, line: Int(mark.line) + 1, column: Int(mark.column) + 1, offset: Int(mark.index))
    }

    private func parserError() -> YAMLError {
        if let inputError { return YAMLError("cannot read input: \(inputError)", at: location(parser.mark)) }
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        let context = parser.context.map { String(cString: $0) + ": " } ?? ""
        let mark =
            parser.problem_mark.line == 0 && parser.problem_mark.column == 0 && parser.problem_offset > 0
            ? parser.mark : parser.problem_mark
        return YAMLError(context + problem, at: location(mark))
    }
}

/// Assembles nodes from events with a stack; tracks expanded size for alias bombs.
private struct TreeBuilder {
    struct Open {
        var node: DocumentNode
        var anchor: String?
        var size: Int
        var pendingKey: DocumentNode?
    }

    let limits: YAMLLoader.Limits
    var stack: [Open] = []
    var root: DocumentNode?
    var anchors: [String: (DocumentNode, Int)] = [:]
    var totalSize = 0

    init(limits: YAMLLoader.Limits) { self.limits = limits }

    mutating func open(_ content: DocumentNode.Content, at location: DocumentLocation, tag: String?, anchor: String?)
        throws(YAMLError)
    {
        guard stack.count < limits.maximumDepth else {
            throw YAMLError("nesting deeper than \(limits.maximumDepth) levels", at: location)
        }
        stack.append(Open(node: DocumentNode(content, at: location, tag: tag), anchor: anchor, size: 1))
    }

    mutating func close() throws(YAMLError) {
        guard let finished = stack.popLast() else { return }
        if finished.pendingKey != nil {
            throw YAMLError("mapping ended after a key without a value", at: finished.node.location)
        }
        try add(finished.node, anchor: finished.anchor, size: finished.size, counted: true)
    }

    mutating func add(_ node: DocumentNode, anchor: String?, size: Int, counted: Bool = false) throws(YAMLError) {
        if !counted { totalSize += size }
        if totalSize > limits.maximumNodes {
            throw YAMLError(
                "the document expands to more than \(limits.maximumNodes) nodes (alias bomb?)", at: node.location)
        }
        if let anchor { anchors[anchor] = (node, size) }
        guard !stack.isEmpty else {
            root = node
            return
        }
        // Take the parent out of the stack so its collection is uniquely referenced while it grows.
        var parent = stack.removeLast()
        parent.size += size
        switch parent.node.content {
        case .sequence(var items):
            parent.node.content = .sequence([])
            items.append(node)
            parent.node.content = .sequence(items)
        case .mapping(var pairs):
            if let key = parent.pendingKey {
                parent.node.content = .mapping([])
                pairs.append(DocumentNode.Pair(key: key, value: node))
                parent.node.content = .mapping(pairs)
                parent.pendingKey = nil
            } else {
                parent.pendingKey = node
            }
        case .scalar:
            break
        }
        stack.append(parent)
    }
}
