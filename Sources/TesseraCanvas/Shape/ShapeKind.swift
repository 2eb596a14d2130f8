/// What a shape is, which decides how it is drawn and which properties mean what.
///
/// Stored as a string (`"rectangle"`, `"sticky"`, …) in the shape's `kind` register. Kinds
/// this version does not know (written by a newer client) read as ``custom(_:)`` and are
/// drawn as a dashed box, so old replicas keep and show them rather than dropping them.
public enum ShapeKind: Hashable, Sendable, CustomStringConvertible {
    /// A rectangle with an optional centred label.
    case rectangle
    /// An ellipse inscribed in the shape's box, with an optional label.
    case ellipse
    /// A diamond (rhombus) inscribed in the shape's box, with an optional label.
    case diamond
    /// A straight line from `(x, y)` to `(x + w, y + h)`.
    case line
    /// A line with an arrow head at its end; `from`/`to` may bind its ends to shapes.
    case arrow
    /// Free text; `stroke` is the text colour.
    case text
    /// A sticky note: a filled square with wrapped text.
    case sticky
    /// A frame that groups shapes (their `parent`); its text is the frame's title.
    case frame
    /// A kind this version does not know.
    case custom(String)

    /// The built-in kinds.
    public static let builtIn: [ShapeKind] = [.rectangle, .ellipse, .diamond, .line, .arrow, .text, .sticky, .frame]

    /// Reads a stored kind; unknown names become ``custom(_:)``.
    public init(rawValue: String) {
        self = ShapeKind.builtIn.first { $0.rawValue == rawValue } ?? .custom(rawValue)
    }

    /// The stored name.
    public var rawValue: String {
        switch self {
        case .rectangle: "rectangle"
        case .ellipse: "ellipse"
        case .diamond: "diamond"
        case .line: "line"
        case .arrow: "arrow"
        case .text: "text"
        case .sticky: "sticky"
        case .frame: "frame"
        case .custom(let name): name
        }
    }

    /// Whether `(w, h)` is a signed vector to the end point rather than a size.
    public var isConnector: Bool { self == .line || self == .arrow }

    /// The stored name.
    public var description: String { rawValue }

    // `.custom("rectangle")` and `.rectangle` are the same stored value, so compare names.
    /// Kinds are equal when their stored names are.
    public static func == (lhs: ShapeKind, rhs: ShapeKind) -> Bool { lhs.rawValue == rhs.rawValue }
    /// Hashes the stored name, consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}
