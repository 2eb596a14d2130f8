/// A shape on a board, as a value: read it with ``Board/shape(_:)``, change a copy inside
/// ``Board/update(_:_:)``, and the board writes only the properties that differ.
///
/// Geometry: `(x, y)` is the top-left corner and `(w, h)` the size, except for connectors
/// (``ShapeKind/line`` and ``ShapeKind/arrow``), where `(w, h)` is the signed vector from the
/// start point to the end point. `rotation` is in degrees, clockwise, about the centre.
///
/// ```swift
/// var board = Board(origin: .human("Ada"))
/// let box = try board.addShape(.rectangle(x: 40, y: 40, w: 160, h: 90, fill: .stickyBlue, text: "Backlog"))
/// try board.update(box) { $0.x += 100; $0.opacity = 0.8 }
/// ```
public struct Shape: Hashable, Sendable {
    /// The shape's ID; `nil` for a shape not yet added to a board.
    public internal(set) var id: ShapeID?
    /// What the shape is.
    public var kind: ShapeKind
    /// Left edge (connectors: start x).
    public var x: Double
    /// Top edge (connectors: start y).
    public var y: Double
    /// Width, ≥ 0 (connectors: signed x distance to the end point).
    public var w: Double
    /// Height, ≥ 0 (connectors: signed y distance to the end point).
    public var h: Double
    /// Rotation in degrees, clockwise about the centre.
    public var rotation: Double
    /// Fill colour; `nil` for none.
    public var fill: Color?
    /// Stroke colour (text shapes: the text colour); `nil` for none.
    public var stroke: Color?
    /// Stroke width in canvas units, ≥ 0.
    public var strokeWidth: Double
    /// Opacity, 0…1.
    public var opacity: Double
    /// The shape's text: a label, a sticky note's content, a frame's title. Stored as a Text
    /// object, so concurrent edits merge character by character.
    public var text: String
    /// The shape's position in the z-order; set by the board's ordering methods
    /// (``Board/bringToFront(_:)``, ``Board/move(_:above:)``, …), `nil` if never set.
    public internal(set) var z: FractionalIndex?
    /// The frame or group the shape belongs to.
    public var parent: ShapeID?
    /// For connectors: the shape the start is bound to.
    public var from: ShapeID?
    /// For connectors: the shape the end is bound to.
    public var to: ShapeID?
    /// Whether the shape is locked: a board refuses to update or delete it until it is
    /// unlocked (z-order moves are still allowed, as in layer panels).
    public var locked: Bool

    /// Creates a shape; every property but `kind` has a default.
    public init(
        kind: ShapeKind, x: Double = 0, y: Double = 0, w: Double = 100, h: Double = 100, rotation: Double = 0,
        fill: Color? = nil, stroke: Color? = .ink, strokeWidth: Double = 2, opacity: Double = 1, text: String = "",
        parent: ShapeID? = nil, from: ShapeID? = nil, to: ShapeID? = nil, locked: Bool = false
    ) {
        self.kind = kind
        self.x = x
        self.y = y
        self.w = w
        self.h = h
        self.rotation = rotation
        self.fill = fill
        self.stroke = stroke
        self.strokeWidth = strokeWidth
        self.opacity = opacity
        self.text = text
        self.parent = parent
        self.from = from
        self.to = to
        self.locked = locked
    }

    /// The centre of the shape's box (connectors: the midpoint).
    public var center: Point { Point(x: x + w / 2, y: y + h / 2) }

    // MARK: Constructors

    /// A rectangle with an optional centred label.
    public static func rectangle(x: Double, y: Double, w: Double, h: Double, fill: Color? = nil, stroke: Color? = .ink, text: String = "") -> Shape {
        Shape(kind: .rectangle, x: x, y: y, w: w, h: h, fill: fill, stroke: stroke, text: text)
    }

    /// An ellipse inscribed in the box, with an optional label.
    public static func ellipse(x: Double, y: Double, w: Double, h: Double, fill: Color? = nil, stroke: Color? = .ink, text: String = "") -> Shape {
        Shape(kind: .ellipse, x: x, y: y, w: w, h: h, fill: fill, stroke: stroke, text: text)
    }

    /// A diamond inscribed in the box, with an optional label.
    public static func diamond(x: Double, y: Double, w: Double, h: Double, fill: Color? = nil, stroke: Color? = .ink, text: String = "") -> Shape {
        Shape(kind: .diamond, x: x, y: y, w: w, h: h, fill: fill, stroke: stroke, text: text)
    }

    /// Free text in `color`.
    public static func text(_ text: String, x: Double, y: Double, w: Double = 240, h: Double = 40, color: Color = .ink) -> Shape {
        Shape(kind: .text, x: x, y: y, w: w, h: h, fill: nil, stroke: color, strokeWidth: 0, text: text)
    }

    /// A sticky note with wrapped text.
    public static func sticky(_ text: String, x: Double, y: Double, w: Double = 200, h: Double = 200, fill: Color = .stickyYellow) -> Shape {
        Shape(kind: .sticky, x: x, y: y, w: w, h: h, fill: fill, stroke: nil, strokeWidth: 0, text: text)
    }

    /// A frame titled `title`; add shapes to it by setting their ``parent``.
    public static func frame(_ title: String, x: Double, y: Double, w: Double, h: Double) -> Shape {
        Shape(kind: .frame, x: x, y: y, w: w, h: h, fill: nil, stroke: .gray, strokeWidth: 1, text: title)
    }

    /// A straight line between two points.
    public static func line(from start: Point, to end: Point, stroke: Color = .ink, strokeWidth: Double = 2) -> Shape {
        Shape(kind: .line, x: start.x, y: start.y, w: end.x - start.x, h: end.y - start.y, stroke: stroke, strokeWidth: strokeWidth)
    }

    /// An arrow between two points, optionally bound to the shapes it connects (a bound end
    /// follows its shape when the SVG is drawn).
    public static func arrow(
        from start: Point, to end: Point, startShape: ShapeID? = nil, endShape: ShapeID? = nil,
        stroke: Color = .ink, strokeWidth: Double = 2, label: String = ""
    ) -> Shape {
        Shape(kind: .arrow, x: start.x, y: start.y, w: end.x - start.x, h: end.y - start.y, stroke: stroke,
              strokeWidth: strokeWidth, text: label, from: startShape, to: endShape)
    }

    // MARK: Validation

    /// Checks every value a board would write, so an invalid shape is refused before anything
    /// is written.
    ///
    /// - Throws: ``CanvasError/invalidNumber(_:_:)`` for NaN or infinity,
    ///   ``CanvasError/negativeSize(_:_:)`` for a negative size or stroke width (connectors
    ///   may have a negative `w`/`h`), ``CanvasError/opacityOutOfRange(_:)``,
    ///   ``CanvasError/invalidKind(_:)`` for an empty or over-long custom kind.
    public func validate() throws(CanvasError) {
        for (property, value) in [(ShapeProperty.x, x), (.y, y), (.w, w), (.h, h), (.rotation, rotation), (.strokeWidth, strokeWidth), (.opacity, opacity)] {
            guard value.isFinite else { throw .invalidNumber(property, value) }
        }
        if !kind.isConnector {
            if w < 0 { throw .negativeSize(.w, w) }
            if h < 0 { throw .negativeSize(.h, h) }
        }
        if strokeWidth < 0 { throw .negativeSize(.strokeWidth, strokeWidth) }
        guard (0...1).contains(opacity) else { throw .opacityOutOfRange(opacity) }
        if case .custom(let name) = kind, name.isEmpty || name.utf8.count > 64 { throw .invalidKind(name) }
    }
}
