#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where the model is and how to talk to it: an OpenAI-compatible Chat Completions endpoint.
///
/// ```swift
/// // From the environment: OPENAI_BASE_URL, OPENAI_API_KEY, TESSERA_MODEL.
/// let configuration = try ModelConfiguration.fromEnvironment()
///
/// // Or explicitly, e.g. a local Ollama:
/// let local = ModelConfiguration(baseURL: "http://127.0.0.1:11434/v1", model: "qwen2.5:7b")
/// ```
///
/// The base URL is the prefix before `/chat/completions`, *including* the API version path:
///
/// | server | base URL | key |
/// |---|---|---|
/// | OpenAI | `https://api.openai.com/v1` (the default) | required |
/// | Ollama | `http://127.0.0.1:11434/v1` | none (any value is accepted) |
/// | llama.cpp `llama-server` | `http://127.0.0.1:8080/v1` | only with `--api-key` |
/// | vLLM `vllm serve` | `http://127.0.0.1:8000/v1` | only with `--api-key` |
public struct ModelConfiguration: Hashable, Sendable {
    /// The endpoint prefix, e.g. `https://api.openai.com/v1`; a trailing slash is ignored.
    public var baseURL: String
    /// Sent as `Authorization: Bearer <key>` when set and non-empty.
    public var apiKey: String?
    /// The model name sent with every request (`gpt-4o-mini`, `qwen2.5:7b`, …). llama.cpp
    /// serves one model and ignores the name; the others require it.
    public var model: String
    /// How long establishing a connection may take.
    public var connectTimeout: Duration
    /// The longest silence allowed while waiting for bytes (the response head, the body, or
    /// the next streamed chunk): a stalled server fails after this, not after the whole
    /// request deadline.
    public var idleTimeout: Duration
    /// The deadline for one whole attempt of a request, streamed or not. A long streamed
    /// answer keeps going as long as chunks arrive within ``idleTimeout`` and this is not hit.
    public var requestTimeout: Duration
    /// When and how often failed requests are retried.
    public var retry: RetryPolicy
    /// Sampling temperature sent with requests that do not set one; `nil` leaves it to the server.
    public var temperature: Double?
    /// An upper bound on generated tokens per response; `nil` leaves it to the server.
    public var maxTokens: Int?
    /// Extra HTTP headers (e.g. `OpenAI-Organization`, or a proxy's auth header).
    public var headers: [String: String]

    /// The default base URL: OpenAI's.
    public static let openAIBaseURL = "https://api.openai.com/v1"

    /// Creates a configuration.
    public init(
        baseURL: String = ModelConfiguration.openAIBaseURL, apiKey: String? = nil, model: String,
        connectTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60), requestTimeout: Duration = .seconds(300),
        retry: RetryPolicy = RetryPolicy(), temperature: Double? = nil, maxTokens: Int? = nil, headers: [String: String] = [:]
    ) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.model = model
        self.connectTimeout = connectTimeout
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
        self.retry = retry
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.headers = headers
    }

    /// The names of the environment variables read by ``fromEnvironment(_:)``.
    public enum EnvironmentKey {
        /// The base URL (`OPENAI_BASE_URL`, as the official OpenAI SDKs read it).
        public static let baseURL = "OPENAI_BASE_URL"
        /// The API key (`OPENAI_API_KEY`).
        public static let apiKey = "OPENAI_API_KEY"
        /// The model name (`TESSERA_MODEL`).
        public static let model = "TESSERA_MODEL"
    }

    /// The model used when `TESSERA_MODEL` is not set.
    public static let defaultModel = "gpt-4o-mini"

    /// Reads `OPENAI_BASE_URL` (default ``openAIBaseURL``), `OPENAI_API_KEY` and
    /// `TESSERA_MODEL` (default ``defaultModel``) from `environment` (the process's by default).
    ///
    /// - Throws: ``ModelError/invalidConfiguration(_:)`` when the base URL is not an
    ///   `http(s)://` URL, or when the OpenAI endpoint is used without a key (which would
    ///   otherwise fail later with a less helpful 401).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(ModelError) -> ModelConfiguration {
        func value(_ key: String) -> String? {
            guard let raw = environment[key]?.trimmingWhitespace(), !raw.isEmpty else { return nil }
            return raw
        }
        let configuration = ModelConfiguration(
            baseURL: value(EnvironmentKey.baseURL) ?? openAIBaseURL, apiKey: value(EnvironmentKey.apiKey),
            model: value(EnvironmentKey.model) ?? defaultModel)
        try configuration.validate()
        if configuration.normalizedBaseURL == openAIBaseURL, configuration.apiKey == nil {
            throw .invalidConfiguration("\(EnvironmentKey.apiKey) is not set; OpenAI needs a key (for a local server set \(EnvironmentKey.baseURL), e.g. http://127.0.0.1:11434/v1 for Ollama)")
        }
        return configuration
    }

    /// Checks the base URL and model name.
    ///
    /// - Throws: ``ModelError/invalidConfiguration(_:)``.
    public func validate() throws(ModelError) {
        let url = normalizedBaseURL
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count > "https://".count else {
            throw .invalidConfiguration("base URL \"\(baseURL)\" is not an http:// or https:// URL")
        }
        guard !model.isEmpty else { throw .invalidConfiguration("no model name is set (\(EnvironmentKey.model))") }
    }

    /// The base URL without trailing slashes.
    var normalizedBaseURL: String {
        var url = baseURL.trimmingWhitespace()
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// The Chat Completions endpoint.
    public var chatCompletionsURL: String { normalizedBaseURL + "/chat/completions" }
}

extension String {
    /// The string without leading and trailing whitespace and newlines.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
