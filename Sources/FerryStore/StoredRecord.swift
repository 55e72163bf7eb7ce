/// A stored record.
public struct StoredRecord: Sendable {
    public var id: String
    public var type: String
    public var key: String
    public var sender: String
    public var documentID: String
    /// The canonical record, or nil after retention removed it.
    public var body: [UInt8]?

    public init(id: String, type: String, key: String, sender: String, documentID: String, body: [UInt8]?) {
        self.id = id
        self.type = type
        self.key = key
        self.sender = sender
        self.documentID = documentID
        self.body = body
    }
}
