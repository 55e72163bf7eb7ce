import FerryCore
import FerryGateway
import FerryStore
import Foundation
import Logging
import Metrics
import Crypto
import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOSSL
import Hummingbird

/// Who is calling (a token or a client certificate), and the refusals: answered, counted, audited.
extension GatewayService {
    struct Refusal: Error {
        let status: HTTPResponse.Status
        let reason: String
    }

    /// The caller: by bearer token, or else by the client certificate of a mutual TLS connection.
    func authenticate(_ request: Request, _ context: GatewayRequestContext) async -> Result<
        GatewayConfiguration.System, Refusal
    > {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            if let fingerprint = await clientCertificateFingerprint(context) {
                if let system = gateway.configuration.system(presentingCertificate: fingerprint) {
                    return .success(system)
                }
                return .failure(Refusal(status: .unauthorized, reason: "the client certificate is not known"))
            }
            return .failure(Refusal(status: .unauthorized, reason: "no bearer token"))
        }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard let system = gateway.configuration.system(presenting: token) else {
            return .failure(Refusal(status: .unauthorized, reason: "the bearer token is not known"))
        }
        return .success(system)
    }

    /// The SHA-256 (hex) of the client certificate a mutual TLS connection presented, if any.
    func clientCertificateFingerprint(_ context: GatewayRequestContext) async -> String? {
        guard let certificate = try? await context.channel.nioSSL_peerCertificate().get(),
            let der = try? certificate.toDERBytes()
        else { return nil }
        return SHA256.hash(data: der).hexadecimal
    }

    /// An operator endpoint's caller: an authenticated operator, or the refusal to answer with.
    enum OperatorCheck {
        case allowed(GatewayConfiguration.System)
        case refused(Response)
    }

    /// The authenticated caller of an operator endpoint, or its 403 when it is not an operator.
    func operatorOnly(_ context: GatewayRequestContext) async throws -> OperatorCheck {
        try await authorizedCaller(context, in: [.operator], "an operator")
    }

    /// The authenticated caller when its role is one of `roles`, or its 403.
    func authorizedCaller(
        _ context: GatewayRequestContext, in roles: Set<GatewayConfiguration.System.Role>, _ description: String
    ) async throws -> OperatorCheck {
        let caller = try context.authenticatedCaller()
        guard roles.contains(caller.role) else {
            return .refused(
                await refuse(
                    Refusal(status: .forbidden, reason: "\(caller.id) is not \(description)"), sender: caller.id))
        }
        return .allowed(caller)
    }

    /// Answers a request without valid credentials: 401, or 429 once its client address is over
    /// `anonymous_per_second`.
    ///
    /// Such refusals are counted into `refusals` audit entries, one per window, reason and address,
    /// never written one by one.
    func refuseUnauthenticated(_ refusal: Refusal, _ request: Request, _ context: GatewayRequestContext) async
        -> Response
    {
        let configuration = gateway.configuration
        let address = ClientAddress.of(
            peer: context.channel.remoteAddress, forwardedFor: request.headers[HTTPField.Name("X-Forwarded-For")!],
            trustedProxies: configuration.trustedProxies)
        var answer = refusal
        var fields: HTTPFields = [:]
        if await !anonymousLimiter.admit(
            address, perSecond: configuration.anonymousPerSecond, burst: configuration.anonymousBurst,
            now: Date().timeIntervalSinceReferenceDate)
        {
            answer = Refusal(
                status: .tooManyRequests,
                reason: "more than \(configuration.anonymousPerSecond) requests a second without valid credentials")
            fields[.retryAfter] = "1"
        } else {
            fields[.wwwAuthenticate] = "Bearer"
        }
        await refusals.count(status: answer.status.code, reason: answer.reason, address: address)
        Counter(label: "ferry_requests_refused_total", dimensions: [("status", "\(answer.status.code)")]).increment()
        logger.debug(
            "request refused",
            metadata: [
                "status": "\(answer.status.code)", "address": "\(address.loggable)",
                "reason": "\(answer.reason)",
            ])
        return Self.json(answer.status, JSONObject([("error", .string(answer.reason))]), headers: fields)
    }

    /// Answers a refusal of a known caller with a JSON error and audits it (the reason names no field values).
    func refuse(_ refusal: Refusal, sender: String?, headers: HTTPFields = [:]) async -> Response {
        logger.notice(
            "request refused",
            metadata: [
                "status": "\(refusal.status.code)", "sender": "\(sender ?? "-")",
                "reason": "\(refusal.reason.loggable)",
            ])
        Counter(label: "ferry_requests_refused_total", dimensions: [("status", "\(refusal.status.code)")]).increment()
        do {
            _ = try await gateway.store.append(
                kind: "refused", time: Gateway.timestamp(Date()),
                details: JSONObject([
                    ("status", .integer(refusal.status.code)), ("sender", sender.map(JSONValue.string) ?? .null),
                    ("reason", .string(refusal.reason)),
                ]))
        } catch {
            // The answer does not wait for the store; the log keeps what the audit trail could not.
            logger.error(
                "a refusal could not be audited",
                metadata: [
                    "status": "\(refusal.status.code)",
                    "sender": "\(sender ?? "-")", "error": "\(error)",
                ])
        }
        var fields = headers
        if refusal.status == .unauthorized { fields[.wwwAuthenticate] = "Bearer" }
        return Self.json(refusal.status, JSONObject([("error", .string(refusal.reason))]), headers: fields)
    }
}
