/// Receives diagnostics from loaders and validators, so that one run reports every problem.
public protocol DiagnosticCollector {
    /// Records one diagnostic.
    mutating func emit(_ diagnostic: Diagnostic)
}

/// A collector that keeps every diagnostic in order.
public struct DiagnosticList: DiagnosticCollector, Sendable {
    /// The diagnostics emitted so far.
    public private(set) var diagnostics: [Diagnostic] = []

    /// Creates an empty list.
    public init() {}

    public mutating func emit(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }

    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Appends all of another list's diagnostics.
    public mutating func append(contentsOf other: DiagnosticList) {
        diagnostics.append(contentsOf: other.diagnostics)
    }
}

extension DiagnosticCollector {
    /// Emits an error.
    public mutating func error(_ code: String, _ message: String, at location: DocumentLocation?) {
        emit(Diagnostic(.error, code: code, message: message, at: location))
    }

    /// Emits a warning.
    public mutating func warning(_ code: String, _ message: String, at location: DocumentLocation?) {
        emit(Diagnostic(.warning, code: code, message: message, at: location))
    }

    /// Emits a note.
    public mutating func note(_ code: String, _ message: String, at location: DocumentLocation?) {
        emit(Diagnostic(.note, code: code, message: message, at: location))
    }
}
