/// Something that answers Chat Completions requests: ``ChatCompletionsClient`` over HTTP, or
/// any other backend an app plugs in.
///
/// ```swift
/// let completion = try await model.stream(request) { delta in
///     print(delta, terminator: "")            // text as it is generated
/// }
/// for call in completion.toolCalls { … }
/// ```
public protocol ChatModel: Sendable {
    /// Sends `request` and waits for the whole answer.
    func complete(_ request: ChatCompletionRequest) async throws(ModelError) -> Completion

    /// Sends `request` as a streamed request, calls `onContent` with each piece of text as it
    /// arrives (in order, awaiting each call, so a slow consumer slows the read), and returns
    /// the assembled answer, tool calls included.
    func stream(_ request: ChatCompletionRequest, onContent: @Sendable (String) async -> Void) async throws(ModelError) -> Completion
}
