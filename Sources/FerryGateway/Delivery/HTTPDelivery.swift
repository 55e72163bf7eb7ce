import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Delivers a body to a destination's HTTP(S) endpoint: one POST with the detached signature
/// in headers. Any 2xx answer is a delivery; anything else, or no answer within the timeout,
/// is a failure to retry.
///
/// Headers: `Ferry-Delivery-Id`, `Ferry-Key-Id`, `Ferry-Signature` (Ed25519 over the exact body,
/// base64) and `Ferry-Record-Ids` (comma-separated).
struct HTTPDelivery {
    let url: String
    let timeout: Double

    func post(_ body: [UInt8], contentType: String, deliveryID: String, signature: Keyring.Signature,
              recordIDs: [String]) async throws {
        guard let endpoint = URL(string: url) else { throw DeliveryError(message: "bad delivery url \(url)") }
        var request = URLRequest(url: endpoint, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        request.setValue(deliveryID, forHTTPHeaderField: "Ferry-Delivery-Id")
        request.setValue(signature.keyID, forHTTPHeaderField: "Ferry-Key-Id")
        request.setValue(signature.value, forHTTPHeaderField: "Ferry-Signature")
        request.setValue(recordIDs.joined(separator: ","), forHTTPHeaderField: "Ferry-Record-Ids")
        let response: URLResponse
        do {
            (_, response) = try await URLSession.shared.upload(for: request, from: Data(body))
        } catch {
            throw DeliveryError(message: "\(url): \(error.localizedDescription)")
        }
        guard let status = (response as? HTTPURLResponse)?.statusCode, (200..<300).contains(status) else {
            throw DeliveryError(message: "\(url) answered \((response as? HTTPURLResponse)?.statusCode ?? 0)")
        }
    }
}
