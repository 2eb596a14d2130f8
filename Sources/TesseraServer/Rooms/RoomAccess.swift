import TesseraStore
import TesseraSync

/// Who may join a relay room: the rule the relay applies to every connection.
///
/// - A room's token is fixed when the room is created: the token its first client
///   presented (stored as a SHA-256 digest), or none, which makes an open room. Members of
///   an end-to-end encrypted room present `RoomKey.accessToken` by default, so only holders
///   of the room secret can ever store envelopes in it (PROTOCOL.md §9: a relay cannot tell
///   a member's sealed envelope from garbage, so it must admit members only).
/// - With a server token, only connections presenting it may create rooms, and it opens
///   every room (an operator's key).
///
/// ```swift
/// RoomAccess.decide(room: record, presented: AccessToken("t"), serverToken: nil)   // .admit or .deny
/// ```
public enum RoomAccess {
    /// The decision for one connection.
    public enum Decision: Hashable, Sendable {
        /// Join the existing room.
        case admit
        /// Create the room, protected by this token digest (`nil`: an open room).
        case create(tokenDigest: [UInt8]?)
        /// Refuse with ``ErrorCode/accessDenied``, for this reason.
        case deny(String)
    }

    /// Decides for a connection presenting `presented` to `room` (`nil` if it does not exist yet).
    public static func decide(room: RoomRecord?, presented: AccessToken?, serverToken: AccessToken?) -> Decision {
        let holdsServerToken = serverToken.map { server in presented?.matches(server) ?? false } ?? false
        guard let room else {
            if serverToken != nil, !holdsServerToken { return .deny("only holders of the server token may create rooms") }
            return .create(tokenDigest: presented?.digest)
        }
        if holdsServerToken { return .admit }
        if let digest = room.accessTokenHash {
            guard let presented else { return .deny("room \"\(room.id)\" requires a token") }
            return presented.matches(digest: digest) ? .admit : .deny("wrong token for room \"\(room.id)\"")
        }
        // An open room; on a relay with a server token, open rooms still need it.
        if serverToken != nil { return .deny("this relay requires its token") }
        return .admit
    }
}
