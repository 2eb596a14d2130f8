import Foundation

/// The address of a room's sync endpoint, `ws://host:port/v1/rooms/<room>/sync`, on a relay
/// or on a listening peer (both serve the same path).
///
/// ```swift
/// let url = try RoomURL("ws://127.0.0.1:8080/v1/rooms/plan")   // "/sync" may be left out
/// url.room                                                    // "plan"
/// url.syncURL                                                 // "ws://127.0.0.1:8080/v1/rooms/plan/sync"
/// ```
public struct RoomURL: Hashable, Sendable, CustomStringConvertible {
    /// `ws` or `wss`.
    public var scheme: String
    /// The host name or address.
    public var host: String
    /// The port.
    public var port: Int
    /// The room (document) ID.
    public var room: String

    /// Why a string is not a room URL.
    public struct ParseError: Error, CustomStringConvertible {
        /// What is wrong.
        public var description: String
    }

    /// Parses `ws[s]://host[:port]/v1/rooms/<room>[/sync]`; the room may be percent-encoded.
    public init(_ string: String) throws(ParseError) {
        guard let components = URLComponents(string: string), let scheme = components.scheme?.lowercased(),
            scheme == "ws" || scheme == "wss", let host = components.host, !host.isEmpty
        else { throw ParseError(description: "\"\(string)\" is not a ws:// or wss:// URL") }
        let parts = components.percentEncodedPath.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count == 3 || (parts.count == 4 && parts[3] == "sync"), parts[0] == "v1", parts[1] == "rooms",
            let room = String(parts[2]).removingPercentEncoding, !room.isEmpty
        else { throw ParseError(description: "\"\(string)\" is not a room URL (expected …/v1/rooms/<room>)") }
        self.init(scheme: scheme, host: host, port: components.port ?? (scheme == "wss" ? 443 : 80), room: room)
    }

    /// Creates a URL from its parts.
    public init(scheme: String = "ws", host: String, port: Int, room: String) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.room = room
    }

    /// The full sync endpoint URL.
    public var syncURL: String {
        let encoded = room.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? room
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(hostPart):\(port)/v1/rooms/\(encoded)/sync"
    }

    public var description: String { syncURL }
}
