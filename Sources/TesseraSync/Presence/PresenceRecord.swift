import TesseraCore

/// One participant's ephemeral state: who they are, where their cursor is, what they have
/// selected and what they are doing. Presence never enters the document.
///
/// ```swift
/// var me = PresenceRecord(displayName: "Ada", color: PresenceColor(hex: "#3366ff"))
/// me.cursor = .point(x: 120, y: 80)
/// me.selection = .shapes(["7@2f1a3b4c5d6e7f81"])
/// me.status = .typing
/// ```
public struct PresenceRecord: Hashable, Sendable {
    /// The name shown next to the cursor.
    public var displayName: String
    /// The participant's colour, if it chose one.
    public var color: PresenceColor?
    /// Whether a person, an agent or the system is behind it.
    public var actor: Origin.Actor
    /// Where the participant points.
    public var cursor: Cursor?
    /// What the participant has selected.
    public var selection: Selection?
    /// What the participant is doing.
    public var status: Status

    /// Creates a record.
    public init(
        displayName: String, color: PresenceColor? = nil, actor: Origin.Actor = .human, cursor: Cursor? = nil,
        selection: Selection? = nil, status: Status = .idle
    ) {
        self.displayName = displayName
        self.color = color
        self.actor = actor
        self.cursor = cursor
        self.selection = selection
        self.status = status
    }

    /// A cursor position.
    public enum Cursor: Hashable, Sendable {
        /// Over a shape, by its key in the board's `shapes` map (a canvas `ShapeID`).
        case shape(String)
        /// In a text object, before the Unicode scalar at `offset`.
        case text(object: ObjectID, offset: Int)
        /// At a point of the canvas.
        case point(x: Double, y: Double)
    }

    /// A selection.
    public enum Selection: Hashable, Sendable {
        /// Shapes, by their keys in the board's `shapes` map.
        case shapes([String])
        /// A range of Unicode scalars in a text object.
        case text(object: ObjectID, range: Range<Int>)
    }

    /// What the participant is doing.
    public enum Status: Hashable, Sendable {
        /// Nothing in particular.
        case idle
        /// Typing (in the chat or in a text).
        case typing
        /// An AI agent is working on something, e.g. `"drawing the architecture diagram"`.
        case working(on: String)
        /// Away from the keyboard.
        case away
    }
}

/// A participant colour (8-bit sRGB).
public struct PresenceColor: Hashable, Sendable, CustomStringConvertible {
    /// Red, 0–255.
    public var red: UInt8
    /// Green, 0–255.
    public var green: UInt8
    /// Blue, 0–255.
    public var blue: UInt8

    /// Creates a colour from its components.
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// Parses `#rrggbb` (the `#` is optional), or `nil`.
    public init?(hex: some StringProtocol) {
        let digits = hex.hasPrefix("#") ? hex.dropFirst() : hex[...]
        guard digits.count == 6, digits.utf8.allSatisfy({ $0 < 0x80 }), let value = UInt32(digits, radix: 16) else { return nil }
        self.init(red: UInt8(truncatingIfNeeded: value >> 16), green: UInt8(truncatingIfNeeded: value >> 8),
                  blue: UInt8(truncatingIfNeeded: value))
    }

    /// `#rrggbb`.
    public var description: String {
        "#" + [red, green, blue].map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
