import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import TesseraCanvas

/// A real HTTP server on 127.0.0.1 that speaks the Chat Completions JSON — plain and
/// streamed as server-sent events — and replays scripted turns, so the production client is
/// tested over real sockets with no test-only code path.
///
/// Each API key (the `Authorization: Bearer` value) has its own queue of replies, so two
/// agents talking to one server get different scripts; a request without a key uses the `""`
/// queue. When a queue runs dry the server answers 500. Every request is recorded.
///
/// ```swift
/// let server = try await ScriptedModelServer.start(scripts: ["agent-a": [.text("Hi")]])
/// defer { Task { await server.stop() } }
/// let client = try ChatCompletionsClient(configuration: .init(baseURL: server.baseURL, apiKey: "agent-a", model: "test"))
/// ```
final class ScriptedModelServer: Sendable {
    /// One scripted HTTP response.
    enum Reply: Sendable {
        /// A JSON body with `status`, after `delay`.
        case json(status: Int, body: String, headers: [String: String], delay: Duration)
        /// A `text/event-stream` body made of `parts`.
        case events([EventPart], headers: [String: String])
        /// No response at all for `duration` (then the connection is closed).
        case silence(Duration)
        /// The connection is closed without a response.
        case hangUp
    }

    /// A piece of an event stream.
    enum EventPart: Sendable {
        /// `data: <payload>\n\n`.
        case data(String)
        /// Bytes written as they are (to test line endings, comments, split lines).
        case raw(String)
        /// A pause before the next part.
        case pause(Duration)
        /// The connection drops here.
        case hangUp
    }

    /// A request the server received.
    struct Received: Sendable {
        var apiKey: String
        var path: String
        var body: JSONValue?
    }

    private struct State {
        var scripts: [String: [Reply]]
        var received: [Received] = []
    }

    private let state: Mutex<State>
    private let channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
    private let serving: Mutex<Task<Void, Never>?> = Mutex(nil)
    /// The port it listens on.
    let port: Int

    /// The base URL to configure a client with (`http://127.0.0.1:<port>/v1`).
    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    private init(scripts: [String: [Reply]], channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>) {
        state = Mutex(State(scripts: scripts))
        self.channel = channel
        port = channel.channel.localAddress?.port ?? 0
    }

    /// Starts a server on an ephemeral port.
    static func start(scripts: [String: [Reply]]) async throws -> ScriptedModelServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        let server = ScriptedModelServer(scripts: scripts, channel: channel)
        let task = Task { [server] in
            await withDiscardingTaskGroup { group in
                do {
                    try await channel.executeThenClose { inbound in
                        for try await connection in inbound {
                            group.addTask { await server.serve(connection) }
                        }
                    }
                } catch {
                    // The listening socket closed: the server is stopping.
                }
            }
        }
        server.serving.withLock { $0 = task }
        return server
    }

    /// Stops listening and closes open connections.
    func stop() async {
        try? await channel.channel.close()
        let task = serving.withLock { $0 }
        task?.cancel()
    }

    /// A port nothing listens on (bound, then released), for "connection refused".
    static func unusedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 1
        try await channel.close()
        return port
    }

    /// Every request received, in order.
    var received: [Received] { state.withLock { $0.received } }

    /// Requests received with `apiKey`.
    func received(apiKey: String) -> [Received] { received.filter { $0.apiKey == apiKey } }

    /// Appends replies to `apiKey`'s queue.
    func enqueue(_ replies: [Reply], for apiKey: String = "") {
        state.withLock { $0.scripts[apiKey, default: []].append(contentsOf: replies) }
    }

    /// Replies left in `apiKey`'s queue.
    func remaining(for apiKey: String = "") -> Int { state.withLock { $0.scripts[apiKey]?.count ?? 0 } }

    // MARK: Serving

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                var body = ByteBuffer()
                for try await part in inbound {
                    switch part {
                    case .head(let requestHead):
                        head = requestHead
                        body.clear()
                    case .body(var chunk):
                        body.writeBuffer(&chunk)
                    case .end:
                        guard let head else { continue }
                        let keepOpen = try await respond(to: head, body: body, outbound: outbound)
                        if !keepOpen { return }
                    }
                }
            }
        } catch {
            // The client went away (a timeout, a cancelled request): nothing to do.
        }
    }

    /// Writes the next scripted reply; returns whether the connection stays open.
    private func respond(
        to head: HTTPRequestHead, body: ByteBuffer, outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws -> Bool {
        let authorization = head.headers.first(name: "authorization") ?? ""
        let apiKey = authorization.hasPrefix("Bearer ") ? String(authorization.dropFirst(7)) : ""
        let text = String(buffer: body)
        let reply: Reply? = state.withLock { state in
            state.received.append(Received(apiKey: apiKey, path: head.uri, body: try? JSONValue(parsing: text)))
            guard var queue = state.scripts[apiKey], !queue.isEmpty else { return nil }
            let next = queue.removeFirst()
            state.scripts[apiKey] = queue
            return next
        }
        switch reply ?? .json(status: 500, body: #"{"error":{"message":"the script has no more replies","type":"server_error"}}"#, headers: [:], delay: .zero) {
        case .json(let status, let body, let headers, let delay):
            if delay > .zero { try await Task.sleep(for: delay) }
            var responseHead = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status))
            responseHead.headers.add(name: "content-type", value: "application/json")
            responseHead.headers.add(name: "content-length", value: "\(body.utf8.count)")
            for (name, value) in headers { responseHead.headers.add(name: name, value: value) }
            try await outbound.write(.head(responseHead))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body))))
            try await outbound.write(.end(nil))
            return true
        case .events(let parts, let headers):
            var responseHead = HTTPResponseHead(version: .http1_1, status: .ok)
            responseHead.headers.add(name: "content-type", value: "text/event-stream")
            responseHead.headers.add(name: "cache-control", value: "no-cache")
            for (name, value) in headers { responseHead.headers.add(name: name, value: value) }
            try await outbound.write(.head(responseHead))
            for part in parts {
                switch part {
                case .data(let payload):
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(string: "data: \(payload)\n\n"))))
                case .raw(let bytes):
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(string: bytes))))
                case .pause(let duration):
                    try await Task.sleep(for: duration)
                case .hangUp:
                    return false
                }
            }
            try await outbound.write(.end(nil))
            return true
        case .silence(let duration):
            try await Task.sleep(for: duration)
            return false
        case .hangUp:
            return false
        }
    }
}
