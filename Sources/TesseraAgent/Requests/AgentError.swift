import TesseraCanvas
import TesseraCore

/// Why an operation on AI requests was refused. A refused operation writes nothing.
public enum AgentError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The prompt is empty (or only whitespace).
    case emptyPrompt
    /// The `ai` map has no request with this ID.
    case unknownRequest(RequestID)
    /// The request is not in a state that allows the operation (e.g. retrying an answered one).
    case invalidState(RequestID, AgentRequest.Status, operation: String)
    /// The board refused an edit.
    case canvas(CanvasError)
    /// The document refused an edit.
    case document(DocumentError)

    /// One line for logs and command-line output.
    public var description: String {
        switch self {
        case .emptyPrompt: "the prompt is empty"
        case .unknownRequest(let id): "no AI request \(id)"
        case .invalidState(let id, let status, let operation): "cannot \(operation) request \(id): it is \(status.rawValue)"
        case .canvas(let error): error.description
        case .document(let error): "document error: \(error)"
        }
    }
}
