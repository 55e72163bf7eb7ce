/// The one renderer of a record's text, for the rejects file: every record, read through
/// ``XMLRecordBatchReader`` or copied from libxml2's tree of an ``XMLRecordReader``, is written
/// back from its snapshot.
extension RecordSnapshots {
    /// Record `index` serialized as XML in UTF-8, byte for byte as libxml2's `xmlNodeDump`
    /// writes the subtree it was copied from (for the rejects file).
    package func text(of index: Int) -> String {
        var out: [UInt8] = []
        write(records[index].root, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func append(_ span: Span, to out: inout [UInt8]) {
        if span.count > 0 { out.append(contentsOf: bytes[span.start..<span.start + span.count]) }
    }

    private func appendQualified(_ prefix: Span, _ name: Span, to out: inout [UInt8]) {
        if prefix.count > 0 {
            append(prefix, to: &out)
            out.append(UInt8(ascii: ":"))
        }
        append(name, to: &out)
    }

    private func write(_ node: Int, to out: inout [UInt8]) {
        let copied = nodes[node]
        switch copied.kind {
        case .text:
            escapeContent(copied.content, to: &out)
        case .comment:
            out.append(contentsOf: "<!--".utf8)
            append(copied.content, to: &out)
            out.append(contentsOf: "-->".utf8)
        case .instruction:
            out.append(contentsOf: "<?".utf8)
            append(copied.name, to: &out)
            if copied.content.start >= 0 {
                out.append(UInt8(ascii: " "))
                append(copied.content, to: &out)
            }
            out.append(contentsOf: "?>".utf8)
        case .element:
            out.append(UInt8(ascii: "<"))
            appendQualified(copied.prefix, copied.name, to: &out)
            for index in copied.declarations {
                let declaration = declarations[index]
                out.append(contentsOf: " xmlns".utf8)
                if declaration.prefix.count > 0 {
                    out.append(UInt8(ascii: ":"))
                    append(declaration.prefix, to: &out)
                }
                // A namespace URI holds no quotes (the reader refuses one that does).
                out.append(contentsOf: "=\"".utf8)
                append(declaration.href, to: &out)
                out.append(UInt8(ascii: "\""))
            }
            for index in copied.attributes {
                let attribute = attributes[index]
                out.append(UInt8(ascii: " "))
                appendQualified(attribute.prefix, attribute.name, to: &out)
                out.append(contentsOf: "=\"".utf8)
                escapeAttribute(attribute.value, to: &out)
                out.append(UInt8(ascii: "\""))
            }
            guard copied.firstChild >= 0 else {
                out.append(contentsOf: "/>".utf8)
                return
            }
            out.append(UInt8(ascii: ">"))
            var child = copied.firstChild
            while child >= 0 {
                write(child, to: &out)
                child = nodes[child].nextSibling
            }
            out.append(contentsOf: "</".utf8)
            appendQualified(copied.prefix, copied.name, to: &out)
            out.append(UInt8(ascii: ">"))
        }
    }

    /// Text as libxml2 escapes it: `<`, `>`, `&` and carriage returns.
    private func escapeContent(_ span: Span, to out: inout [UInt8]) {
        for offset in 0..<span.count {
            let byte = bytes[span.start + offset]
            switch byte {
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case 0x0D: out.append(contentsOf: "&#13;".utf8)
            default: out.append(byte)
            }
        }
    }

    /// An attribute value as libxml2 escapes it; without a declared encoding, characters beyond
    /// ASCII become hexadecimal character references.
    private func escapeAttribute(_ span: Span, to out: inout [UInt8]) {
        var offset = 0
        while offset < span.count {
            let byte = bytes[span.start + offset]
            switch byte {
            case 0x0A: out.append(contentsOf: "&#10;".utf8)
            case 0x0D: out.append(contentsOf: "&#13;".utf8)
            case 0x09: out.append(contentsOf: "&#9;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case 0x80... where !documentHasEncoding:
                let width = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                var scalar = UInt(byte) & (width == 2 ? 0x1F : width == 3 ? 0x0F : 0x07)
                for next in 1..<width where offset + next < span.count {
                    scalar = scalar << 6 | UInt(bytes[span.start + offset + next] & 0x3F)
                }
                out.append(contentsOf: "&#x\(String(scalar, radix: 16, uppercase: true));".utf8)
                offset += width
                continue
            default: out.append(byte)
            }
            offset += 1
        }
    }
}
