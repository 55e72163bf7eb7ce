internal import CLibYAML
public import FerryCore

/// Writes JSON values as YAML documents with libyaml's emitter, in block style.
///
/// Strings that would read back as another type under the core schema (`"true"`, `"12"`)
/// are double-quoted, so `--to yaml` followed by `--from yaml` gives the same JSON.
public final class YAMLEmitter {
    private var emitter = yaml_emitter_t()
    private var output: [UInt8] = []
    private var started = false

    /// Creates an emitter that collects output in memory; take it with ``takeOutput()``.
    public init() {
        yaml_emitter_initialize(&emitter)
        yaml_emitter_set_unicode(&emitter, 1)
        yaml_emitter_set_width(&emitter, -1)
        yaml_emitter_set_output(
            &emitter,
            { context, buffer, size in
                guard let context, let buffer else { return 0 }
                let emitter = Unmanaged<YAMLEmitter>.fromOpaque(context).takeUnretainedValue()
                emitter.output.append(contentsOf: UnsafeBufferPointer(start: buffer, count: size))
                return 1
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit { yaml_emitter_delete(&emitter) }

    /// Emits one value as a document (`---` separated after the first).
    public func emit(_ value: JSONValue) throws(YAMLError) {
        if !started {
            var event = yaml_event_t()
            yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING)
            try send(&event)
            started = true
        }
        var start = yaml_event_t()
        yaml_document_start_event_initialize(&start, nil, nil, nil, 0)
        try send(&start)
        try emitNode(value)
        var end = yaml_event_t()
        yaml_document_end_event_initialize(&end, 1)
        try send(&end)
        yaml_emitter_flush(&emitter)
    }

    /// Ends the stream and returns everything written since the last call.
    public func finish() throws(YAMLError) -> [UInt8] {
        if started {
            var event = yaml_event_t()
            yaml_stream_end_event_initialize(&event)
            try send(&event)
        }
        return takeOutput()
    }

    /// Returns the output written so far and clears it.
    public func takeOutput() -> [UInt8] {
        if started { yaml_emitter_flush(&emitter) }
        defer { output.removeAll(keepingCapacity: true) }
        return output
    }

    private func emitNode(_ value: JSONValue) throws(YAMLError) {
        var event = yaml_event_t()
        switch value {
        case .null: try scalar("null", plain: true)
        case .bool(let b): try scalar(b ? "true" : "false", plain: true)
        case .number(let n): try scalar(n.text, plain: true)
        case .string(let s): try scalar(s, plain: YAMLCoreSchema.isPlainString(s))
        case .array(let items):
            yaml_sequence_start_event_initialize(
                &event, nil, nil, 1, items.isEmpty ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE)
            try send(&event)
            for item in items { try emitNode(item) }
            yaml_sequence_end_event_initialize(&event)
            try send(&event)
        case .object(let object):
            yaml_mapping_start_event_initialize(
                &event, nil, nil, 1, object.isEmpty ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE)
            try send(&event)
            for member in object.members {
                try scalar(member.key, plain: YAMLCoreSchema.isPlainString(member.key))
                try emitNode(member.value)
            }
            yaml_mapping_end_event_initialize(&event)
            try send(&event)
        }
    }

    private func scalar(_ text: String, plain: Bool) throws(YAMLError) {
        var event = yaml_event_t()
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBufferPointer { buffer in
            _ = yaml_scalar_event_initialize(
                // Quoted is always implicit: where libyaml cannot write a plain scalar as such
                // (`@x`, `a: b`) it quotes it, and needs no `!` tag to say it is a string.
                &event, nil, nil, buffer.baseAddress, Int32(buffer.count), plain ? 1 : 0, 1,
                plain ? YAML_ANY_SCALAR_STYLE : YAML_DOUBLE_QUOTED_SCALAR_STYLE)
        }
        try send(&event)
    }

    private func send(_ event: inout yaml_event_t) throws(YAMLError) {
        guard yaml_emitter_emit(&emitter, &event) == 1 else {
            let problem = emitter.problem.map { String(cString: $0) } ?? "cannot emit YAML"
            throw YAMLError(problem, at: DocumentLocation(path: "-", line: 1, column: 1))
        }
    }
}
