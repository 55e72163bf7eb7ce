internal import CLibXML2
import FerryCore

/// The XPath 1.0 expressions of a mapping, compiled once by libxml2.
///
/// Only rules that need XPath use it; simple paths never touch the XPath engine. A program
/// holds C state and is single-owner: create one per conversion.
public final class XPathProgram {
    private var compiled: [xmlXPathCompExprPtr?] = []
    private let namespaces: [(prefix: String, uri: String)]
    private var context: xmlXPathContextPtr?
    private var contextDocument: xmlDocPtr?

    /// Compiles expressions.
    /// - Throws: ``XPathCompileError`` naming the first expression that does not compile.
    public init(expressions: [String], namespaces: [(prefix: String, uri: String)]) throws(XPathCompileError) {
        _ = LibXML.initialized
        self.namespaces = namespaces
        for (index, expression) in expressions.enumerated() {
            guard let expr = xmlXPathCompile(expression) else {
                compiled.forEach { $0.map { xmlXPathFreeCompExpr($0) } }
                compiled = []
                throw XPathCompileError(index: index, expression: expression)
            }
            compiled.append(expr)
        }
    }

    deinit {
        compiled.forEach { $0.map { xmlXPathFreeCompExpr($0) } }
        if let context { xmlXPathFreeContext(context) }
    }

    /// Whether an expression compiles, for the mapping checker.
    public static func compiles(_ expression: String) -> Bool {
        _ = LibXML.initialized
        guard let expr = xmlXPathCompile(expression) else { return false }
        xmlXPathFreeCompExpr(expr)
        return true
    }

    func string(_ index: Int, node: xmlNodePtr, document: xmlDocPtr) -> String? {
        guard index < compiled.count, let expr = compiled[index], let context = context(for: document) else {
            return nil
        }
        context.pointee.node = node
        guard let result = xmlXPathCompiledEval(expr, context) else { return nil }
        defer { xmlXPathFreeObject(result) }
        guard let text = xmlXPathCastToString(result) else { return nil }
        defer { ferry_xmlFree(text) }
        let value = UnsafePointer(text).string
        return value.isEmpty ? nil : value
    }

    private func context(for document: xmlDocPtr) -> xmlXPathContextPtr? {
        if contextDocument == document, let context { return context }
        if let context { xmlXPathFreeContext(context) }
        context = xmlXPathNewContext(document)
        contextDocument = document
        if let context {
            for (prefix, uri) in namespaces { xmlXPathRegisterNs(context, prefix, uri) }
        }
        return context
    }
}

/// An XPath expression that libxml2 cannot compile.
public struct XPathCompileError: Error, Sendable {
    /// Its index among the mapping's expressions.
    public let index: Int
    /// The expression as written.
    public let expression: String
}
