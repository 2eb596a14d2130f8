import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import TesseraCanvas

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An OpenAI-compatible Chat Completions client over HTTP (AsyncHTTPClient), with
/// streaming, timeouts and retries.
///
/// ```swift
/// let client = try ChatCompletionsClient(configuration: .fromEnvironment())
/// defer { Task { try? await client.shutdown() } }
/// let request = ChatCompletionRequest(messages: [.user("Say hi")])
/// let completion = try await client.stream(request) { print($0, terminator: "") }
/// ```
///
/// Verified formats (see the tests' `ScriptedModelServer`, which replays each):
/// - **OpenAI**: `data: {chunk}\n\n` events ending with `data: [DONE]`; a call's `id`,
///   `type` and `name` on its first fragment, `arguments` text in pieces by `index`;
///   errors as `{"error": {"message", "type", "code"}}`; `retry-after-ms`/`retry-after`
///   headers on 429.
/// - **Ollama** (`/v1`): each tool call whole in one chunk; `index` missing on streamed
///   calls (ollama/ollama#7881, late 2024); `finish_reason` `stop` with tool calls (until
///   ollama/ollama#5995, mid-2024); arguments as an object and every call at index 0 when a
///   proxy relays its native API (BerriAI/litellm#37792).
/// - **llama.cpp** `llama-server` (`--jinja` for tools): calls without `id` (early-2025
///   builds, ggml-org/llama.cpp#11992); `: keep-alive`-style comments and CRLF line ends
///   are handled by the SSE parser; errors as `{"error": {"code", "message", "type"}}`, also
///   as a `data:` event inside a 200 stream; builds before ggml-org/llama.cpp#12379 (May 2025)
///   refuse streamed tool calls with HTTP 500 "Cannot use tools with stream", so the client
///   falls back to a plain request when a server says streaming is not supported.
/// - **vLLM**: `{"object": "error", "message", "type", "code"}` error bodies;
///   `reasoning_content` deltas alongside `content` (ignored); `id`/`type` only on a call's
///   first fragment, as OpenAI.
///
/// Every request goes to `{baseURL}/chat/completions` with `Authorization: Bearer` when a
/// key is set. Connection failures, timeouts and the statuses in
/// ``RetryPolicy/retryableStatuses`` are retried per ``ModelConfiguration/retry``; a
/// streamed response that already delivered text is never retried. The client owns an
/// `HTTPClient`: call ``shutdown()`` when done.
public final class ChatCompletionsClient: ChatModel {
    /// The endpoint, credentials, timeouts and retry policy.
    public let configuration: ModelConfiguration
    private let http: HTTPClient
    private let logger: Logger

    /// The largest response body read (non-streamed responses and error bodies).
    static let maximumBodyBytes = 16 << 20

    /// Creates a client.
    ///
    /// - Throws: ``ModelError/invalidConfiguration(_:)`` for an unusable configuration.
    public init(configuration: ModelConfiguration, logger: Logger = Logger(label: "tessera.agent.model")) throws(ModelError) {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger
        var http = HTTPClient.Configuration()
        http.timeout = HTTPClient.Configuration.Timeout(
            connect: TimeAmount(configuration.connectTimeout), read: TimeAmount(configuration.idleTimeout))
        // Connection failures surface at once, so the retry policy (with its backoff, jitter
        // and attempt count) is the one place that decides how long to keep trying.
        http.connectionPool.retryConnectionEstablishment = false
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http, backgroundActivityLogger: logger)
    }

    /// Releases the HTTP client's connections. Call once, after the last request.
    public func shutdown() async {
        do { try await http.shutdown() } catch { logger.debug("model client shutdown: \(error)") }
    }

    // MARK: ChatModel

    /// Sends `request` and waits for the whole answer, retrying per the policy.
    public func complete(_ request: ChatCompletionRequest) async throws(ModelError) -> Completion {
        try await withRetries(request, streaming: false) { (response, attempts) async throws(AttemptFailure) -> Completion in
            try await self.readWhole(response, attempts: attempts)
        }
    }

    /// Sends `request` streamed, calling `onContent` with each text delta; retries only
    /// while no text has been delivered.
    ///
    /// A server that refuses to stream this request (llama.cpp before May 2025 refused
    /// streamed tool calls) is asked again without streaming, and its text delivered as one delta.
    public func stream(_ request: ChatCompletionRequest, onContent: @Sendable (String) async -> Void) async throws(ModelError) -> Completion {
        do {
            return try await withRetries(request, streaming: true) { (response, attempts) async throws(AttemptFailure) -> Completion in
                try await self.readStream(response, attempts: attempts, onContent: onContent)
            }
        } catch .http(let status, let message, _) where Self.refusesStreaming(status: status, message: message) {
            logger.notice("the model server does not stream this request; asking without streaming", metadata: ["reason": "\(message)"])
            let completion = try await complete(request)
            if !completion.content.isEmpty { await onContent(completion.content) }
            return completion
        }
    }

    /// Whether an error says the server cannot stream the request (e.g. llama-server's
    /// `"Cannot use tools with stream"`), which no retry would change.
    static func refusesStreaming(status: Int, message: String) -> Bool {
        let text = message.lowercased()
        return (400..<600).contains(status) && text.contains("stream")
            && (text.contains("tool") || text.contains("not supported") || text.contains("unsupported") || text.contains("cannot"))
    }

    // MARK: Attempts

    /// Why one attempt failed, and whether another may be made.
    struct AttemptFailure: Error {
        var error: ModelError
        var retryable: Bool
        var retryAfter: Duration?
    }

    private func withRetries(
        _ request: ChatCompletionRequest, streaming: Bool,
        read: (HTTPClientResponse, Int) async throws(AttemptFailure) -> Completion
    ) async throws(ModelError) -> Completion {
        let body = try encode(request, streaming: streaming)
        var generator = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            do {
                let response = try await send(body, attempts: attempt)
                try await checkStatus(response, streaming: streaming, attempts: attempt)
                return try await read(response, attempt)
            } catch {
                guard error.retryable,
                    let delay = configuration.retry.delay(beforeRetry: attempt, retryAfter: error.retryAfter, using: &generator)
                else { throw error.error }
                logger.notice("model request failed (\(error.error)); retrying in \(delay)", metadata: ["attempt": "\(attempt)"])
                do { try await Task.sleep(for: delay) } catch { throw .cancelled }
                attempt += 1
            }
        }
    }

    private func encode(_ request: ChatCompletionRequest, streaming: Bool) throws(ModelError) -> ByteBuffer {
        var request = request
        if request.model.isEmpty { request.model = configuration.model }
        if request.temperature == nil { request.temperature = configuration.temperature }
        if request.maxTokens == nil { request.maxTokens = configuration.maxTokens }
        if request.tools?.isEmpty == true { request.tools = nil }
        if request.tools == nil { request.toolChoice = nil }
        request.stream = streaming ? true : nil
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return ByteBuffer(bytes: try encoder.encode(request))
        } catch {
            throw .invalidConfiguration("the request cannot be encoded: \(error)")
        }
    }

    private func send(_ body: ByteBuffer, attempts: Int) async throws(AttemptFailure) -> HTTPClientResponse {
        var request = HTTPClientRequest(url: configuration.chatCompletionsURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json, text/event-stream")
        if let key = configuration.apiKey, !key.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        for (name, value) in configuration.headers.sorted(by: { $0.key < $1.key }) { request.headers.replaceOrAdd(name: name, value: value) }
        request.body = .bytes(body)
        do {
            return try await http.execute(request, deadline: .now() + TimeAmount(configuration.requestTimeout), logger: logger)
        } catch {
            throw failure(error, attempts: attempts)
        }
    }

    private func checkStatus(_ response: HTTPClientResponse, streaming: Bool, attempts: Int) async throws(AttemptFailure) {
        let status = Int(response.status.code)
        guard !(200..<300).contains(status) else { return }
        let body = try? await response.body.collect(upTo: 1 << 20)
        let message = body.map { Self.errorMessage(in: Array($0.readableBytesView)) } ?? ""
        let retryable = configuration.retry.retries(status: status) && !(streaming && Self.refusesStreaming(status: status, message: message))
        throw AttemptFailure(
            error: .http(status: status, message: message, attempts: attempts), retryable: retryable,
            retryAfter: Self.retryAfter(in: response.headers))
    }

    private func readWhole(_ response: HTTPClientResponse, attempts: Int) async throws(AttemptFailure) -> Completion {
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: Self.maximumBodyBytes)
        } catch {
            throw failure(error, attempts: attempts)
        }
        return try decodeWhole(Array(body.readableBytesView))
    }

    private func decodeWhole(_ bytes: [UInt8]) throws(AttemptFailure) -> Completion {
        do {
            let response = try JSONDecoder().decode(ChatCompletionResponse.self, from: Data(bytes))
            return try Completion(response)
        } catch let error as ModelError {
            throw AttemptFailure(error: error, retryable: false)
        } catch {
            let message = Self.errorMessage(in: bytes)
            throw AttemptFailure(error: .invalidResponse(message.isEmpty ? "\(error)" : message), retryable: false)
        }
    }

    private func readStream(
        _ response: HTTPClientResponse, attempts: Int, onContent: @Sendable (String) async -> Void
    ) async throws(AttemptFailure) -> Completion {
        // A server that ignores `stream` answers with plain JSON: accept it as one big delta.
        let contentType = response.headers.first(name: "content-type")?.lowercased() ?? ""
        if !contentType.contains("event-stream") {
            let completion = try await readWhole(response, attempts: attempts)
            if !completion.content.isEmpty { await onContent(completion.content) }
            return completion
        }
        var parser = ServerSentEventParser()
        var accumulator = CompletionAccumulator()
        var done = false
        func handle(_ events: [ServerSentEvent]) async throws(AttemptFailure) {
            for event in events where !done {
                let data = event.data.trimmingWhitespace()
                if data == "[DONE]" {
                    done = true
                    return
                }
                if data.isEmpty { continue }
                let bytes = Array(data.utf8)
                if event.event == "error" || Self.isErrorPayload(bytes) {
                    let message = Self.errorMessage(in: bytes)
                    let error = ModelError.http(status: Self.errorStatus(in: bytes) ?? 500, message: message.isEmpty ? data : message, attempts: attempts)
                    throw AttemptFailure(error: accumulator.hasContent ? .streamInterrupted(error.description) : error, retryable: !accumulator.hasContent)
                }
                let chunk: ChatCompletionChunk
                do {
                    chunk = try JSONDecoder().decode(ChatCompletionChunk.self, from: Data(bytes))
                } catch {
                    throw AttemptFailure(error: .invalidResponse("an event is not a completion chunk: \(data.prefix(200))"), retryable: false)
                }
                let delta = accumulator.add(chunk)
                if !delta.isEmpty { await onContent(delta) }
            }
        }
        do {
            for try await buffer in response.body {
                try await handle(try parser.feed(buffer.readableBytesView))
                if done { break }
            }
            try await handle(parser.finish())
        } catch let error as AttemptFailure {
            throw error
        } catch let error as ModelError {
            throw AttemptFailure(error: error, retryable: false)
        } catch {
            let failure = failure(error, attempts: attempts)
            if accumulator.hasContent, failure.error != .cancelled {
                throw AttemptFailure(error: .streamInterrupted(failure.error.description), retryable: false)
            }
            throw failure
        }
        guard done || accumulator.hasOutput else {
            throw AttemptFailure(error: .invalidResponse("the stream ended without any data"), retryable: true)
        }
        return accumulator.completion
    }

    // MARK: Errors

    /// Maps a transport error to a model error; connection errors and timeouts are retryable.
    private func failure(_ error: any Error, attempts: Int) -> AttemptFailure {
        let url = configuration.chatCompletionsURL
        if error is CancellationError { return AttemptFailure(error: .cancelled, retryable: false) }
        if let error = error as? HTTPClientError {
            switch error {
            case .cancelled: return AttemptFailure(error: .cancelled, retryable: false)
            case .readTimeout, .deadlineExceeded: return AttemptFailure(error: .timedOut(url: url, attempts: attempts), retryable: true)
            case .connectTimeout: return AttemptFailure(error: .unreachable(url: url, reason: "connect timed out", attempts: attempts), retryable: true)
            case .remoteConnectionClosed: return AttemptFailure(error: .unreachable(url: url, reason: "the server closed the connection", attempts: attempts), retryable: true)
            default: break
            }
        }
        let text = String(describing: error)
        let reason = text.lowercased().contains("refused") ? "connection refused" : text
        return AttemptFailure(error: .unreachable(url: url, reason: reason, attempts: attempts), retryable: true)
    }

    /// The server's error text from an OpenAI (`{"error": {"message"}}`), llama.cpp (same shape),
    /// vLLM (`{"object": "error", "message"}`) or Ollama-native (`{"error": "…"}`) body; the
    /// body itself (truncated) when it is not JSON.
    static func errorMessage(in bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(64 << 10), as: UTF8.self)
        guard let value = try? JSONValue(parsing: text) else {
            let trimmed = text.trimmingWhitespace()
            return trimmed.count > 300 ? String(trimmed.prefix(300)) + "…" : trimmed
        }
        return value["error"]?["message"]?.string ?? value["error"]?.string ?? value["message"]?.string ?? value["detail"]?.string ?? ""
    }

    static func isErrorPayload(_ bytes: [UInt8]) -> Bool {
        guard let value = try? JSONValue(parsing: String(decoding: bytes, as: UTF8.self)) else { return false }
        return value["error"] != nil && value["error"] != .null && value["choices"] == nil || value["object"]?.string == "error"
    }

    static func errorStatus(in bytes: [UInt8]) -> Int? {
        guard let value = try? JSONValue(parsing: String(decoding: bytes, as: UTF8.self)) else { return nil }
        let code = value["error"]?["code"]?.number ?? value["code"]?.number
        return code.flatMap { (100..<600).contains($0) ? Int($0) : nil }
    }

    /// `retry-after-ms` (OpenAI; milliseconds) or `retry-after` (RFC 9110 delta-seconds; an
    /// HTTP-date is ignored and the computed backoff used instead).
    static func retryAfter(in headers: HTTPHeaders) -> Duration? {
        if let ms = headers.first(name: "retry-after-ms").flatMap({ Double($0.trimmingWhitespace()) }), ms.isFinite, ms >= 0 {
            return .milliseconds(Int64(ms.rounded(.up)))
        }
        if let seconds = headers.first(name: "retry-after").flatMap({ Double($0.trimmingWhitespace()) }), seconds.isFinite, seconds >= 0 {
            return .milliseconds(Int64((seconds * 1000).rounded(.up)))
        }
        return nil
    }
}
