/// Bounds on what one XML document may make the reader do.
///
/// Exports never come near them; hostile documents hit them and get a clear error instead of
/// exhausting memory or time.
public struct XMLLimits: Sendable {
    /// Deepest element nesting.
    ///
    /// Default 256, libxml2's own bound without `XML_PARSE_HUGE`; checked on the raw bytes, so
    /// Ferry's message comes first. At most 256.
    public var maximumDepth = 256
    /// Most attributes on one element.
    ///
    /// Default 256. Checked on the raw bytes before libxml2 sees the start tag, since libxml2 2.9's
    /// duplicate-attribute check is quadratic.
    public var maximumAttributesPerElement = 256
    /// Most bytes in one start tag.
    ///
    /// Default 1 MiB, checked before libxml2 sees the tag.
    public var maximumStartTagBytes = 1 << 20
    /// Most bytes in one text of a record.
    ///
    /// Default 10,000,000, libxml2's own bound on a text node without `XML_PARSE_HUGE` (which Ferry
    /// never sets); ``XMLRecordBatchReader`` checks it, as libxml2's tree builder does for
    /// ``XMLRecordReader``.
    public var maximumTextBytes = 10_000_000
    /// The defaults.
    public init() {}
}
