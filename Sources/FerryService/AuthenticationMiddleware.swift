import FerryGateway
import Hummingbird

/// Authenticates each request to an endpoint that needs a caller before its handler runs: by
/// bearer token, or by the client certificate of a mutual TLS connection
/// (``GatewayService/authenticate(_:_:)``).
///
/// A request without valid credentials is answered here, 401 or 429 once its address is over
/// `anonymous_per_second`, and counted (``GatewayService/refuseUnauthenticated(_:_:_:)``); a
/// known caller reaches the handler in ``GatewayRequestContext/caller``, which checks its role.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let service: GatewayService

    @concurrent func handle(
        _ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        switch await service.authenticate(request, context) {
        case .failure(let refusal):
            return await service.refuseUnauthenticated(refusal, request, context)
        case .success(let caller):
            var context = context
            context.caller = caller
            return try await next(request, context)
        }
    }
}
