import Crypto

extension TokenHash {
    /// Hashes a token with a fresh random salt, for the configuration file.
    public static func make(token: String) -> TokenHash {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return TokenHash(salt: salt, digest: digest(salt: salt, token: token))
    }

    /// Whether a presented token is the one hashed, compared in constant time.
    public func matches(_ token: String) -> Bool {
        let candidate = Self.digest(salt: salt, token: token)
        return candidate.count == digest.count && zip(candidate, digest).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func digest(salt: [UInt8], token: String) -> [UInt8] {
        Array(SHA256.hash(data: salt + Array(token.utf8)))
    }
}
