/// Writes ``JSONValue``s as UTF-8 bytes: compact, members in their order, strings escaped as
/// RFC 8785 does (non-ASCII unescaped, `/` not escaped, control characters as `\n` or `\u001f`).
///
/// The writer appends to a byte buffer the caller owns and may reuse between records
/// (`removeAll(keepingCapacity: true)`), so the hot path allocates nothing per record.
public struct JSONWriter: Sendable {
    /// How numbers and member order are written.
    public enum Form: Sendable {
        /// Members in their order, numbers with the fraction digits the source wrote.
        case ordered
        /// RFC 8785 canonical form: members sorted by UTF-16 code units, numbers in their
        /// shortest exact decimal form. Record ids hash this form.
        case canonical
    }

    /// The form written.
    public var form: Form

    /// Creates a writer.
    public init(form: Form = .ordered) { self.form = form }

    /// Appends the value's bytes to `buffer`.
    public func write(_ value: JSONValue, into buffer: inout [UInt8]) {
        switch value {
        case .null: buffer.append(contentsOf: "null".utf8)
        case .bool(let b): buffer.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): n.write(canonical: form == .canonical, into: &buffer)
        case .string(let s): Self.writeString(s, into: &buffer)
        case .array(let elements):
            buffer.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { buffer.append(UInt8(ascii: ",")) }
                write(element, into: &buffer)
            }
            buffer.append(UInt8(ascii: "]"))
        case .object(let object):
            buffer.append(UInt8(ascii: "{"))
            // Members are read in place, not copied out one by one.
            object.members.withUnsafeBufferPointer { members in
                if form == .canonical && members.count > 1 {
                    // Objects are small: an insertion sort of their indexes, on the stack.
                    withUnsafeTemporaryAllocation(of: Int.self, capacity: members.count) { order in
                        for index in members.indices {
                            var position = index
                            while position > 0
                                && Self.precedesInUTF16(members[index].key, members[order[position - 1]].key)
                            {
                                order[position] = order[position - 1]
                                position -= 1
                            }
                            order[position] = index
                        }
                        for position in members.indices {
                            writeMember(members, order[position], first: position == 0, into: &buffer)
                        }
                    }
                } else {
                    for index in members.indices { writeMember(members, index, first: index == 0, into: &buffer) }
                }
            }
            buffer.append(UInt8(ascii: "}"))
        }
    }

    private func writeMember(
        _ members: UnsafeBufferPointer<JSONObject.Member>, _ index: Int, first: Bool,
        into buffer: inout [UInt8]
    ) {
        if !first { buffer.append(UInt8(ascii: ",")) }
        Self.writeString(members[index].key, into: &buffer)
        buffer.append(UInt8(ascii: ":"))
        write(members[index].value, into: &buffer)
    }

    /// The value's bytes.
    public func bytes(_ value: JSONValue) -> [UInt8] {
        var buffer: [UInt8] = []
        write(value, into: &buffer)
        return buffer
    }

    /// Appends a JSON string literal.
    public static func writeString(_ string: String, into buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        // Native strings (every string the converter makes) are read in place; others are made
        // contiguous first.
        if string.utf8.withContiguousStorageIfAvailable({ appendEscaped($0, into: &buffer) }) == nil {
            var copy = string
            copy.withUTF8 { appendEscaped($0, into: &buffer) }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    /// Appends a JSON string literal of UTF-8 bytes.
    static func writeString(utf8 bytes: UnsafeBufferPointer<UInt8>, into buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        appendEscaped(bytes, into: &buffer)
        buffer.append(UInt8(ascii: "\""))
    }

    /// Appends UTF-8 bytes with JSON's escapes; runs that need none are copied in one step.
    private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, into buffer: inout [UInt8]) {
        var runStart = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            runStart = index + 1
            switch byte {
            case UInt8(ascii: "\""): buffer.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): buffer.append(contentsOf: [0x5C, 0x5C])
            case 0x08: buffer.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: buffer.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0A: buffer.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: buffer.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: buffer.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            default:
                let hex = Array("0123456789abcdef".utf8)
                buffer.append(contentsOf: [
                    0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)],
                ])
            }
        }
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
    }

    /// RFC 8785 member order: by UTF-16 code units.
    ///
    /// UTF-8 byte order equals UTF-16 order except where a scalar from U+E000 meets a
    /// supplementary one; bytes from 0xEE up mark that case, which falls back to UTF-16.
    static func precedesInUTF16(_ a: String, _ b: String) -> Bool {
        let order =
            a.utf8.withContiguousStorageIfAvailable { x in
                b.utf8.withContiguousStorageIfAvailable { y -> Bool? in
                    let common = min(x.count, y.count)
                    var index = 0
                    while index < common {
                        let (p, q) = (x[index], y[index])
                        if p >= 0xEE || q >= 0xEE { return nil }
                        if p != q { return p < q }
                        index += 1
                    }
                    return x.count < y.count
                } ?? nil
            } ?? nil
        return order ?? a.utf16.lexicographicallyPrecedes(b.utf16)
    }
}
