/// Why a model request failed, after any retries.
///
/// ```swift
/// do {
///     let completion = try await client.complete(request)
/// } catch .unreachable(let url, let reason, let attempts) {
///     print("no model at \(url) (\(reason)) after \(attempts) attempts")
/// } catch {
///     print(error)   // every case has a one-line description fit for a chat message
/// }
/// ```
public enum ModelError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The configuration cannot work (bad base URL, no model name, missing key).
    case invalidConfiguration(String)
    /// No connection could be made or kept (refused, reset, DNS, TLS) on any attempt.
    case unreachable(url: String, reason: String, attempts: Int)
    /// The server stayed silent longer than the idle timeout, or an attempt hit its deadline.
    case timedOut(url: String, attempts: Int)
    /// The server answered with an error status; `message` is its error text when it sent one.
    case http(status: Int, message: String, attempts: Int)
    /// The response is not Chat Completions JSON (or has no choice).
    case invalidResponse(String)
    /// A streamed response broke off after part of it was delivered (not retried, since the
    /// delivered part is already on screen).
    case streamInterrupted(String)
    /// The task was cancelled.
    case cancelled

    /// Whether waiting and asking again might succeed (a person can press "retry").
    public var isTransient: Bool {
        switch self {
        case .unreachable, .timedOut, .streamInterrupted: true
        case .http(let status, _, _): status == 429 || status >= 500
        case .invalidConfiguration, .invalidResponse, .cancelled: false
        }
    }

    /// One sentence for logs and for the chat.
    public var description: String {
        func tries(_ n: Int) -> String { n == 1 ? "" : " after \(n) attempts" }
        switch self {
        case .invalidConfiguration(let reason):
            return "the model is not configured correctly: \(reason)"
        case .unreachable(let url, let reason, let attempts):
            return "the model server at \(url) could not be reached (\(reason))\(tries(attempts))"
        case .timedOut(let url, let attempts):
            return "the model server at \(url) did not respond in time\(tries(attempts))"
        case .http(let status, let message, let attempts):
            let detail = message.isEmpty ? "" : ": \(message)"
            switch status {
            case 401, 403: return "the model server refused the API key (HTTP \(status))\(detail)"
            case 404: return "the model server has no such model or endpoint (HTTP 404)\(detail)"
            case 429: return "the model server is rate limiting us (HTTP 429)\(tries(attempts))\(detail)"
            default: return "the model server answered HTTP \(status)\(tries(attempts))\(detail)"
            }
        case .invalidResponse(let reason):
            return "the model server sent a response that is not Chat Completions JSON: \(reason)"
        case .streamInterrupted(let reason):
            return "the model's streamed answer broke off: \(reason)"
        case .cancelled:
            return "the request was cancelled"
        }
    }
}
