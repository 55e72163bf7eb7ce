import FerryCore
import Foundation
import NIOCore

/// The address of the client behind a request: the connection's peer, or, when the peer is a
/// trusted proxy, the nearest address in `X-Forwarded-For` that is not one (each trusted hop
/// appends the address it received from; only trusted hops are believed).
enum ClientAddress {
    static func of(peer: SocketAddress?, forwardedFor: String?, trustedProxies: [NetworkAddress.Range]) -> String {
        guard let peer = peer?.ipAddress else { return "unknown" }
        func trusted(_ address: String) -> Bool { trustedProxies.contains { $0.contains(address) } }
        guard trusted(peer), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        for hop in hops.reversed() where !trusted(hop) {
            // A hop that is not an address is where the chain stops being believable.
            return NetworkAddress.bytes(of: hop) == nil ? peer : hop
        }
        return hops.first ?? peer
    }
}
