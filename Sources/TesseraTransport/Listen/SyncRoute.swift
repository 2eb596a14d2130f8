import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import TesseraSync

/// A WebSocket connection asking to sync a room, as the sync route sees it before admitting it.
public struct SyncRequest: Sendable {
    /// The room named in the path.
    public var room: String
    /// The token from `Authorization: Bearer …` or `?token=…`, if any.
    public var token: AccessToken?
    /// Whether the client asked for an end-to-end encrypted room (`?sealed=1`); a relay uses
    /// it when it creates the room.
    public var wantsSealed: Bool
    /// The request's logger (with its request ID).
    public var logger: Logger

    /// Creates a request.
    public init(room: String, token: AccessToken?, wantsSealed: Bool, logger: Logger) {
        self.room = room
        self.token = token
        self.wantsSealed = wantsSealed
        self.logger = logger
    }
}

/// What the sync route does with a ``SyncRequest``.
public enum SyncAdmission: Sendable {
    /// Serve the connection: the closure runs until the connection ends (typically
    /// `host.serve(frames:sink:policy:)`).
    case accept(@Sendable (WebSocketFrames, WebSocketSink) async -> Void)
    /// Refuse it: the client gets an `error` frame carrying this error, then a close.
    case refuse(SyncError)
}

/// The `/v1/rooms/{room}/sync` WebSocket route, shared by relays and listening peers.
///
/// ```swift
/// let router = Router(context: BasicWebSocketRequestContext.self)
/// SyncRoute.add(to: router, maxFrameBytes: 4 << 20) { request in
///     guard request.room == "plan" else { return .refuse(.wrongDocument(expected: "plan", found: request.room)) }
///     return .accept { frames, sink in _ = await host.serve(frames: frames, sink: sink) }
/// }
/// ```
///
/// A refused connection is upgraded first, so the client's driver receives a typed `error`
/// frame (``ErrorCode/accessDenied``…) and can stop retrying, rather than an opaque HTTP status.
public enum SyncRoute {
    /// The route's path pattern.
    public static let path: RouterPath = "/v1/rooms/:room/sync"

    /// Adds the route to `router`.
    ///
    /// - Parameters:
    ///   - maxFrameBytes: the largest sync frame accepted (the hosts' `limits.maxFrameBytes`).
    ///   - admit: decides, per connection, whether and how to serve it.
    public static func add<Context: RequestContext & WebSocketRequestContext>(
        to router: Router<Context>, maxFrameBytes: Int, admit: @escaping @Sendable (SyncRequest) async -> SyncAdmission
    ) {
        router.ws(path) { inbound, outbound, context in
            let request = syncRequest(context.request, room: context.requestContext.parameters.get("room"), logger: context.logger)
            let gate = FirstFrameGate()
            let frames = WebSocketFrames(inbound, maxFrameBytes: maxFrameBytes, gate: gate)
            let sink = WebSocketSink(outbound, gate: gate)
            switch await admit(request) {
            case .accept(let serve):
                await serve(frames, sink)
            case .refuse(let error):
                request.logger.notice(
                    "sync connection refused", metadata: ["room": "\(request.room)", "error": "\(error)"])
                await refuse(error, frames: frames, sink: sink)
            }
        }
    }

    /// Sends `error` (once the client has said something, see ``FirstFrameGate``) and
    /// closes, reading and discarding the client's frames meanwhile.
    private static func refuse(_ error: SyncError, frames: WebSocketFrames, sink: WebSocketSink) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await _ in frames {}
                } catch {}
            }
            group.addTask {
                try? await sink.send(Message.error(code: error.code, message: error.description).encoded())
                await sink.close(error: error)
            }
            await group.next()
            // The reader ends when the client answers the close; do not wait for a client that does not.
            try? await Task.sleep(for: .milliseconds(100))
            group.cancelAll()
        }
    }

    static func syncRequest(_ request: Request, room: String?, logger: Logger) -> SyncRequest {
        var token: AccessToken?
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            token = AccessToken(String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces))
        } else if let query = request.uri.queryParameters.get("token") {
            token = AccessToken(query)
        }
        let sealed = request.uri.queryParameters.get("sealed").map { $0 == "1" || $0 == "true" } ?? false
        return SyncRequest(room: room ?? "", token: token, wantsSealed: sealed, logger: logger)
    }
}
