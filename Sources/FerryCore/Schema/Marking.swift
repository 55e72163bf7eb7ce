/// A release marking, lowest first: `public` < `internal` < `restricted` < `secret`.
public enum Marking: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
    case `public`
    case `internal`
    case restricted
    case secret

    private var level: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: Marking, rhs: Marking) -> Bool { lhs.level < rhs.level }
}
