import TesseraCore

/// Why a board refused an edit. A refused edit leaves the board unchanged: every value is
/// validated before the first operation is written.
///
/// ```swift
/// do {
///     try board.update(id) { $0.opacity = 1.5 }
/// } catch .opacityOutOfRange(let value) {
///     print("opacity \(value) is not in 0…1")
/// }
/// ```
public enum CanvasError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No shape with this ID is on the board (never added, or deleted).
    case unknownShape(ShapeID)
    /// No message with this ID is in the chat.
    case unknownMessage(MessageID)
    /// The shape is locked; unlock it (`$0.locked = false`) before editing or deleting it.
    case shapeLocked(ShapeID)
    /// A number is NaN or infinite.
    case invalidNumber(ShapeProperty, Double)
    /// A size or stroke width is negative.
    case negativeSize(ShapeProperty, Double)
    /// Opacity is outside 0…1.
    case opacityOutOfRange(Double)
    /// A colour is not `#rgb`, `#rrggbb` or `#rrggbbaa`.
    case invalidColor(String)
    /// A custom shape kind is empty or longer than 64 bytes.
    case invalidKind(String)
    /// A `parent`, `from` or `to` reference points at the shape itself or makes a parent cycle.
    case invalidReference(ShapeProperty, ShapeID)
    /// `move(_:between:and:)` was given a lower shape that is not below the upper one.
    case invalidZOrderRange(lower: ShapeID, upper: ShapeID)
    /// The document is not a board: a root entry is missing or of the wrong kind.
    case notABoard(reason: String)
    /// The underlying document refused the operation.
    case document(DocumentError)

    /// A one-line explanation for logs and command-line output.
    public var description: String {
        switch self {
        case .unknownShape(let id): "unknown shape \(id)"
        case .unknownMessage(let id): "unknown message \(id)"
        case .shapeLocked(let id): "shape \(id) is locked"
        case .invalidNumber(let property, let value): "\(property) must be a finite number, not \(value)"
        case .negativeSize(let property, let value): "\(property) must not be negative (\(value))"
        case .opacityOutOfRange(let value): "opacity must be in 0…1, not \(value)"
        case .invalidColor(let string): "\"\(string)\" is not a #rgb, #rrggbb or #rrggbbaa colour"
        case .invalidKind(let name): "\"\(name)\" is not a valid shape kind"
        case .invalidReference(let property, let id): "\(property) cannot refer to \(id): it is the shape itself or makes a cycle"
        case .invalidZOrderRange(let lower, let upper): "\(lower) is not below \(upper) in the z-order"
        case .notABoard(let reason): "not a board: \(reason)"
        case .document(let error): "document error: \(error)"
        }
    }
}
