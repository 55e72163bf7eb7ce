import FerryCore
import FerryTesting
import Foundation
import Testing

/// HTTPS and mutual TLS: a sender authenticated by its client certificate instead of a token.
@Suite(.serialized)
struct GatewayTLSTests {
    let cli = CLITests()

    /// Runs a program and returns its status and standard output.
    @discardableResult
    func run(_ arguments: [String], in directory: URL) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A certificate authority, a server certificate for 127.0.0.1 and client certificates.
    func makeCertificates(in directory: URL) throws {
        let subject = { (name: String) in ["-subj", "/CN=\(name)"] }
        try run(
            [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days",
                "2",
                "-keyout", "ca.key", "-out", "ca.pem",
            ] + subject("Ferry test CA"), in: directory)
        try Data("subjectAltName=IP:127.0.0.1\n".utf8).write(to: directory.appendingPathComponent("server.ext"))
        for (name, ca) in [("server", "ca"), ("hr", "ca"), ("other-ca", nil), ("stranger", "other-ca")]
            as [(String, String?)]
        {
            if let ca {
                try run(
                    [
                        "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                        "\(name).key",
                        "-out", "\(name).csr",
                    ] + subject(name), in: directory)
                try run(
                    [
                        "openssl", "x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key",
                        "-CAcreateserial", "-days", "2", "-out", "\(name).pem",
                    ] + (name == "server" ? ["-extfile", "server.ext"] : []),
                    in: directory)
            } else {
                try run(
                    [
                        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-days", "2",
                        "-keyout", "\(name).key", "-out", "\(name).pem",
                    ] + subject(name), in: directory)
            }
        }
    }

    /// The SHA-256 (hex) of a certificate's DER bytes, as `certificates:` names it.
    func fingerprint(_ certificate: String, in directory: URL) throws -> String {
        try run(
            ["sh", "-c", "openssl x509 -in \(certificate) -outform DER | sha256sum | cut -d' ' -f1"], in: directory
        ).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aSenderAuthenticatesWithItsClientCertificate() throws {
        let (config, data) = try RunningGateway.prepare()
        let certificates = data.deletingLastPathComponent()
        try makeCertificates(in: certificates)
        let der = try fingerprint("hr.pem", in: certificates)
        #expect(der.count == 64)
        var text = try String(contentsOf: config, encoding: .utf8)
        text = text.replacingOccurrences(
            of: "    sends: [personnel.record]\n",
            with: "    sends: [personnel.record]\n    certificates: [\"sha256:\(der)\"]\n")
        text += "tls: { certificate: server.pem, key: server.key, client_ca: ca.pem }\n"
        try Data(text.utf8).write(to: config)
        let gateway = try RunningGateway.start(config: config, data: data)
        defer { gateway.stop() }
        let url = "https://127.0.0.1:\(gateway.port)/v1/documents"
        let export = CLITests.examples.appendingPathComponent("kadry-export.xml").path
        func post(_ extra: [String]) throws -> String {
            try run(
                [
                    "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", "ca.pem", "-X", "POST",
                    "-H", "Content-Type: application/xml", "--data-binary", "@\(export)",
                ] + extra + [url], in: certificates
            ).output
        }
        #expect(try post(["--cert", "hr.pem", "--key", "hr.key"]) == "202")  // the certificate is the credential
        #expect(try post([]) == "401")  // neither certificate nor token
        #expect(try post(["-H", "Authorization: Bearer hr-demo-token"]) == "202")  // tokens still work over TLS
        // A CA the gateway does not trust: no handshake.
        #expect(try post(["--cert", "stranger.pem", "--key", "stranger.key"]) == "000")
    }

    /// An operator signs in to the console with the client certificate alone; the session
    /// cookie is `Secure` under TLS.
    @Test func anOperatorSignsInToTheConsoleWithAClientCertificate() throws {
        let (config, data) = try RunningGateway.prepare()
        let certificates = data.deletingLastPathComponent()
        try makeCertificates(in: certificates)
        let der = try fingerprint("hr.pem", in: certificates)
        var text = try String(contentsOf: config, encoding: .utf8)
        text = text.replacingOccurrences(
            of: "    role: operator\n", with: "    role: operator\n    certificates: [\"sha256:\(der)\"]\n")
        text += "tls: { certificate: server.pem, key: server.key, client_ca: ca.pem }\n"
        try Data(text.utf8).write(to: config)
        let gateway = try RunningGateway.start(config: config, data: data)
        defer { gateway.stop() }
        func signIn(_ extra: [String]) throws -> String {
            try run(
                ["curl", "-s", "-D", "-", "-o", "/dev/null", "--cacert", "ca.pem", "--data", "token="] + extra
                    + ["https://127.0.0.1:\(gateway.port)/console/sign-in"], in: certificates
            ).output.lowercased()
        }
        let signedIn = try signIn(["--cert", "hr.pem", "--key", "hr.key"])
        #expect(signedIn.hasPrefix("http/1.1 303"), "\(signedIn)")
        #expect(signedIn.contains("set-cookie: ferry_console=") && signedIn.contains("; secure"), "\(signedIn)")
        #expect(try signIn([]).hasPrefix("http/1.1 401"))
    }

    /// TLS 1.0 and 1.1 are refused at the handshake; TLS 1.2 and 1.3 are served.
    @Test func refusesHandshakesBelowTLS12() throws {
        let (config, data) = try RunningGateway.prepare()
        let certificates = data.deletingLastPathComponent()
        try makeCertificates(in: certificates)
        try Data(
            (try String(contentsOf: config, encoding: .utf8) + "tls: { certificate: server.pem, key: server.key }\n")
                .utf8
        )
        .write(to: config)
        let gateway = try RunningGateway.start(config: config, data: data)
        defer { gateway.stop() }
        func handshake(_ version: String) throws -> Int32 {
            // SECLEVEL=0 lets this client offer the old versions at all.
            try run(
                [
                    "sh", "-c",
                    "openssl s_client -connect 127.0.0.1:\(gateway.port) \(version) -cipher 'DEFAULT:@SECLEVEL=0' "
                        + "-CAfile ca.pem < /dev/null",
                ], in: certificates
            ).status
        }
        #expect(try handshake("-tls1_2") == 0)
        #expect(try handshake("-tls1_3") == 0)
        #expect(try handshake("-tls1_1") != 0)
        #expect(try handshake("-tls1") != 0)
    }
}
