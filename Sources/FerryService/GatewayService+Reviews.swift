import FerryCore
import FerryGateway
import FerryStore
import Foundation
import Hummingbird

/// The reviewers' endpoints: open reviews within the caller's clearance, one review with the
/// record as released, approvals and rejections. Operators may read; only reviewers decide.
extension GatewayService {
    func listReviews(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let caller: GatewayConfiguration.System
        switch try await authorizedCaller(context, in: [.reviewer, .operator], "a reviewer or an operator") {
        case .allowed(let system): caller = system
        case .refused(let response): return response
        }
        let query = request.uri.queryParameters
        let (offset, limit): (Int, Int)
        switch PageQuery(request) {
        case .refused(let response): return response
        case .page(let start, let count): (offset, limit) = (start, count)
        }
        let destination = query["destination"].map(String.init)
        let reviews = try await gateway.reviews(for: caller, destination: destination, offset: offset, limit: limit)
        return Self.json(
            .ok,
            JSONObject([
                ("reviews", .array(reviews.map { .object(reviewJSON($0)) })), ("offset", .integer(offset)),
                ("limit", .integer(limit)),
            ]))
    }

    func getReview(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let caller: GatewayConfiguration.System
        switch try await authorizedCaller(context, in: [.reviewer, .operator], "a reviewer or an operator") {
        case .allowed(let system): caller = system
        case .refused(let response): return response
        }
        let id = context.parameters.get("id").flatMap { $0.removingPercentEncoding } ?? ""
        guard let (review, release) = try await gateway.visibleReview(id, to: caller) else {
            return Self.json(.notFound, JSONObject([("error", .string("no review \(id)"))]))
        }
        var object = reviewJSON(review)
        switch release {
        case .released(let record, let removed):
            // The record as the destination would get it: removed fields by name, never by value.
            object["record"] = (try? JSONParser.parseDocument(record.jsonBytes)) ?? .null
            object["removed_fields"] = .array(removed.map(JSONValue.string))
            object["release_changed"] = .bool(record.id != review.releasedSHA256)
        case .notReleased(let reason):
            object["record"] = .null
            object["not_released"] = .string(reason)
        }
        return Self.json(.ok, object)
    }

    func approveReview(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let reviewer: GatewayConfiguration.System
        switch try await authorizedCaller(context, in: [.reviewer], "a reviewer") {
        case .allowed(let system): reviewer = system
        case .refused(let response): return response
        }
        let id = context.parameters.get("id").flatMap { $0.removingPercentEncoding } ?? ""
        // An approval names the release the reviewer saw (GET /v1/reviews/{id} gives it).
        let body = try await request.body.collect(upTo: 64 << 10)
        guard
            let sha256 = (try? JSONParser.parseDocument(Array(buffer: body)))?.objectValue?["sha256"]?.stringValue,
            !sha256.isEmpty
        else {
            return Self.json(
                .badRequest,
                JSONObject([("error", .string("an approval needs {\"sha256\": \"…\"}: the release reviewed"))]))
        }
        return reviewResponse(id, try await gateway.approve(review: id, sha256: sha256, by: reviewer))
    }

    func rejectReview(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let reviewer: GatewayConfiguration.System
        switch try await authorizedCaller(context, in: [.reviewer], "a reviewer") {
        case .allowed(let system): reviewer = system
        case .refused(let response): return response
        }
        let id = context.parameters.get("id").flatMap { $0.removingPercentEncoding } ?? ""
        let body = try await request.body.collect(upTo: 64 << 10)
        let reason = (try? JSONParser.parseDocument(Array(buffer: body)))?.objectValue?["reason"]?.stringValue
            .map(TextNormalization.fold)
        guard let reason, !reason.isEmpty else {
            return Self.json(
                .badRequest,
                JSONObject([("error", .string("a rejection needs {\"reason\": \"…\"}: why it must not go"))]))
        }
        return reviewResponse(id, try await gateway.reject(review: id, by: reviewer, reason: reason))
    }

    private func reviewResponse(_ id: String, _ answer: Gateway.ReviewAnswer) -> Response {
        switch answer {
        case .notFound:
            return Self.json(.notFound, JSONObject([("error", .string("no review \(id)"))]))
        case .conflict(let message, let code):
            return Self.json(.conflict, JSONObject([("error", .string(message)), ("code", .string(code))]))
        case .done(let review):
            return Self.json(.ok, reviewJSON(review))
        }
    }

    /// A review as the API shows it.
    func reviewJSON(_ review: Review) -> JSONObject {
        JSONObject([
            ("id", .string(review.id)), ("destination", .string(review.destination)),
            ("record_id", .string(review.recordID)), ("subject", .string(review.subject)),
            ("classification", .string(review.classification)), ("sha256", .string(review.releasedSHA256)),
            ("state", .string(review.state.rawValue)),
            (
                "approvals",
                .array(
                    review.approvals.map { approval in
                        .object(
                            JSONObject([("reviewer", .string(approval.reviewer)), ("time", .string(approval.time))]))
                    })
            ),
            ("held_since", .string(Gateway.timestamp(Date(timeIntervalSinceReferenceDate: review.openedAt)))),
            ("overdue", .bool(gateway.isOverdue(review))),
            ("rejected_by", review.rejectedBy.map(JSONValue.string) ?? .null),
            ("reason", review.reason.map(JSONValue.string) ?? .null),
        ])
    }
}
