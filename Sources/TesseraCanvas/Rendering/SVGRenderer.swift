import TesseraCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Draws a board as a standalone SVG document that browsers and vector editors open as is.
///
/// Shapes are drawn bottom to top in z-order, each as one `<g data-shape-id="…">` element
/// (rotation as a `transform`, opacity on the group), so tools can find a shape by ID.
/// Arrows get marker heads in their stroke colour and follow the shapes they are bound to;
/// sticky notes and labels wrap their text. An optional panel on the right shows the chat.
///
/// ```swift
/// let svg = SVGRenderer().render(board)
/// try svg.write(toFile: "board.svg", atomically: true, encoding: .utf8)   // with Foundation
/// ```
///
/// SVG 1.1 has no automatic text flow, so wrapping uses an average glyph width: good for
/// sans-serif Latin text, approximate elsewhere. Colours with alpha are written as an
/// opaque colour plus `fill-opacity`/`stroke-opacity`, which every SVG reader understands.
public struct SVGRenderer: Sendable {
    /// Space around the content, in canvas units.
    public var padding: Double
    /// Whether to draw the chat panel.
    public var showsChat: Bool
    /// Width of the chat panel.
    public var chatWidth: Double
    /// How many of the latest messages the panel shows.
    public var chatMessageLimit: Int
    /// Background colour; `nil` for transparent.
    public var background: Color?
    /// CSS font family for all text.
    public var fontFamily: String

    /// Creates a renderer.
    public init(
        padding: Double = 40, showsChat: Bool = true, chatWidth: Double = 320, chatMessageLimit: Int = 20,
        background: Color? = .white, fontFamily: String = "Helvetica, Arial, sans-serif"
    ) {
        self.padding = padding
        self.showsChat = showsChat
        self.chatWidth = chatWidth
        self.chatMessageLimit = chatMessageLimit
        self.background = background
        self.fontFamily = fontFamily
    }

    /// The SVG document for `board`.
    public func render(_ board: Board) -> String {
        let shapes = board.shapes
        var byID: [ShapeID: Shape] = [:]
        for shape in shapes { if let id = shape.id { byID[id] = shape } }
        let geometry = shapes.map { shape in Geometry(shape: shape, shapes: byID) }

        var bounds = geometry.dropFirst().reduce(geometry.first?.bounds ?? Box(x: 0, y: 0, w: 640, h: 400)) { $0.union($1.bounds) }
        let messages = showsChat ? board.lastMessages(chatMessageLimit) : []
        var chat = ChatLayout(messages: messages, width: chatWidth)
        if showsChat {
            chat.origin = Point(x: bounds.x + bounds.w + padding, y: bounds.y)
            bounds = bounds.union(Box(x: chat.origin.x, y: chat.origin.y, w: chatWidth, h: chat.height))
        }
        let view = Box(x: bounds.x - padding, y: bounds.y - padding, w: bounds.w + 2 * padding, h: bounds.h + 2 * padding)

        var svg = SVGWriter()
        svg.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        svg.element("svg", [
            ("xmlns", "http://www.w3.org/2000/svg"), ("version", "1.1"),
            ("width", n(view.w)), ("height", n(view.h)),
            ("viewBox", "\(n(view.x)) \(n(view.y)) \(n(view.w)) \(n(view.h))"),
            ("font-family", fontFamily),
        ])
        svg.raw("\n")
        svg.element("title", [], text: "Tessera board: \(shapes.count) shapes, \(board.messageCount) messages")
        writeMarkers(for: shapes, into: &svg)
        if let background {
            svg.element("rect", [("x", n(view.x)), ("y", n(view.y)), ("width", n(view.w)), ("height", n(view.h))] + paint(fill: background), selfClosing: true)
        }
        svg.element("g", [("class", "shapes")])
        svg.raw("\n")
        for (shape, geometry) in zip(shapes, geometry) { draw(shape, geometry, into: &svg) }
        svg.close("g")
        if showsChat { draw(chat, into: &svg) }
        svg.close("svg")
        return svg.output
    }

    // MARK: Shapes

    private func draw(_ shape: Shape, _ geometry: Geometry, into svg: inout SVGWriter) {
        var group: [(String, String)] = [("data-shape-id", shape.id?.rawValue ?? ""), ("data-kind", shape.kind.rawValue)]
        if shape.rotation.isFinite, shape.rotation != 0, !shape.kind.isConnector {
            let c = shape.center
            group.append(("transform", "rotate(\(n(shape.rotation)) \(n(c.x)) \(n(c.y)))"))
        }
        if shape.opacity.isFinite, shape.opacity < 1 { group.append(("opacity", n(max(0, shape.opacity)))) }
        svg.element("g", group)
        let (x, y, w, h) = (Geometry.finite(shape.x), Geometry.finite(shape.y), max(0, Geometry.finite(shape.w)), max(0, Geometry.finite(shape.h)))
        let ink = shape.stroke ?? .ink
        switch shape.kind {
        case .rectangle:
            svg.element("rect", [("x", n(x)), ("y", n(y)), ("width", n(w)), ("height", n(h)), ("rx", "6")] + outline(shape), selfClosing: true)
            label(shape.text, centeredIn: Box(x: x, y: y, w: w, h: h), color: ink, into: &svg)
        case .ellipse:
            svg.element("ellipse", [("cx", n(x + w / 2)), ("cy", n(y + h / 2)), ("rx", n(w / 2)), ("ry", n(h / 2))] + outline(shape), selfClosing: true)
            label(shape.text, centeredIn: Box(x: x + w * 0.15, y: y, w: w * 0.7, h: h), color: ink, into: &svg)
        case .diamond:
            let points = [(x + w / 2, y), (x + w, y + h / 2), (x + w / 2, y + h), (x, y + h / 2)].map { "\(n($0.0)),\(n($0.1))" }
            svg.element("polygon", [("points", points.joined(separator: " "))] + outline(shape), selfClosing: true)
            label(shape.text, centeredIn: Box(x: x + w * 0.25, y: y, w: w * 0.5, h: h), color: ink, into: &svg)
        case .line, .arrow:
            var attributes = [("x1", n(geometry.start.x)), ("y1", n(geometry.start.y)), ("x2", n(geometry.end.x)), ("y2", n(geometry.end.y))]
            attributes += paint(stroke: shape.stroke ?? .ink, width: max(shape.strokeWidth, 0.5)) + [("stroke-linecap", "round")]
            if shape.kind == .arrow { attributes.append(("marker-end", "url(#\(markerID(for: shape.stroke ?? .ink)))")) }
            svg.element("line", attributes, selfClosing: true)
            if !shape.text.isEmpty {
                let mid = Point(x: (geometry.start.x + geometry.end.x) / 2, y: (geometry.start.y + geometry.end.y) / 2)
                let lines = TextLayout.lines(shape.text, width: 200, fontSize: 14, maxLines: 3)
                text(lines, at: Point(x: mid.x, y: mid.y - Double(lines.count - 1) * 9 + 5), fontSize: 14, anchor: "middle", color: ink,
                     extra: [("stroke", "#ffffff"), ("stroke-width", "4"), ("paint-order", "stroke")], into: &svg)
            }
        case .text:
            let fontSize = 20.0
            let lines = TextLayout.lines(shape.text, width: w > 0 ? w : 10_000, fontSize: fontSize)
            text(lines, at: Point(x: x, y: y + fontSize), fontSize: fontSize, anchor: "start", color: shape.stroke ?? .ink, into: &svg)
        case .sticky:
            svg.element("rect", [("x", n(x + 3)), ("y", n(y + 4)), ("width", n(w)), ("height", n(h)), ("rx", "4"), ("fill", "#000000"), ("fill-opacity", "0.12")], selfClosing: true)
            svg.element("rect", [("x", n(x)), ("y", n(y)), ("width", n(w)), ("height", n(h)), ("rx", "4")] + paint(fill: shape.fill ?? .stickyYellow) + outline(shape, fill: false), selfClosing: true)
            let fontSize = 16.0
            let inner = 14.0
            let maxLines = TextLayout.count((h - 2 * inner) / (fontSize * 1.3), limit: 1_000)
            let lines = TextLayout.lines(shape.text, width: w - 2 * inner, fontSize: fontSize, maxLines: maxLines)
            text(lines, at: Point(x: x + inner, y: y + inner + fontSize), fontSize: fontSize, anchor: "start", color: .ink, into: &svg)
        case .frame:
            svg.element("rect", [("x", n(x)), ("y", n(y)), ("width", n(w)), ("height", n(h)), ("rx", "8"), ("stroke-dasharray", "8 5")] + outline(shape), selfClosing: true)
            if !shape.text.isEmpty {
                text([shape.text], at: Point(x: x, y: y - 10), fontSize: 14, anchor: "start", color: shape.stroke ?? .gray, extra: [("font-weight", "bold")], into: &svg)
            }
        case .custom(let name):
            svg.element("rect", [("x", n(x)), ("y", n(y)), ("width", n(w)), ("height", n(h)), ("stroke-dasharray", "4 4")] + outline(shape), selfClosing: true)
            label(shape.text.isEmpty ? name : shape.text, centeredIn: Box(x: x, y: y, w: w, h: h), color: ink, into: &svg)
        }
        svg.close("g")
    }

    private func label(_ string: String, centeredIn box: Box, color: Color, into svg: inout SVGWriter) {
        guard !string.isEmpty else { return }
        let fontSize = 16.0
        let lineHeight = fontSize * 1.25
        let maxLines = TextLayout.count(box.h / lineHeight, limit: 1_000)
        let lines = TextLayout.lines(string, width: max(box.w - 16, fontSize), fontSize: fontSize, maxLines: maxLines)
        let first = box.y + box.h / 2 - Double(lines.count - 1) * lineHeight / 2 + fontSize * 0.35
        text(lines, at: Point(x: box.x + box.w / 2, y: first), fontSize: fontSize, anchor: "middle", color: color, into: &svg)
    }

    /// A `<text>` with one `<tspan>` per line.
    private func text(
        _ lines: [String], at origin: Point, fontSize: Double, anchor: String, color: Color,
        lineHeight: Double? = nil, extra: [(String, String)] = [], into svg: inout SVGWriter
    ) {
        let lineHeight = lineHeight ?? fontSize * 1.25
        guard lines.contains(where: { !$0.isEmpty }) else { return }
        svg.element("text", [("x", n(origin.x)), ("y", n(origin.y)), ("font-size", n(fontSize)), ("text-anchor", anchor)] + paint(fill: color) + extra)
        for (index, line) in lines.enumerated() {
            svg.element("tspan", [("x", n(origin.x)), ("y", n(origin.y + Double(index) * lineHeight))], text: line.isEmpty ? " " : line)
        }
        svg.close("text")
    }

    // MARK: Chat

    private struct ChatLayout {
        struct Entry {
            var author: String
            var isAgent: Bool
            var lines: [String]
        }

        static let fontSize = 13.0
        static let lineHeight = 17.0
        var entries: [Entry]
        var origin = Point(x: 0, y: 0)
        var width: Double

        init(messages: [ChatMessage], width: Double) {
            self.width = width
            entries = messages.map { message in
                Entry(author: message.author.name.isEmpty ? "anonymous" : message.author.name, isAgent: message.author.isAgent,
                      lines: TextLayout.lines(message.body.isEmpty ? "…" : message.body, width: width - 24, fontSize: ChatLayout.fontSize, maxLines: 8))
            }
        }

        var height: Double {
            48 + entries.reduce(0) { $0 + Double($1.lines.count + 1) * ChatLayout.lineHeight + 10 }
        }
    }

    private func draw(_ chat: ChatLayout, into svg: inout SVGWriter) {
        let (x, y) = (chat.origin.x, chat.origin.y)
        svg.element("g", [("class", "chat")])
        svg.raw("\n")
        svg.element("rect", [("x", n(x)), ("y", n(y)), ("width", n(chat.width)), ("height", n(chat.height)), ("rx", "8"),
                             ("fill", "#f8f9fa"), ("stroke", "#dee2e6"), ("stroke-width", "1")], selfClosing: true)
        svg.element("text", [("x", n(x + 12)), ("y", n(y + 26)), ("font-size", "15"), ("font-weight", "bold"), ("fill", "#343a40")], text: "Chat")
        svg.raw("\n")
        var cursor = y + 52
        for entry in chat.entries {
            svg.element("g", [("class", "message")])
            svg.element("text", [("x", n(x + 12)), ("y", n(cursor)), ("font-size", n(ChatLayout.fontSize)), ("font-weight", "bold"),
                                 ("fill", entry.isAgent ? Color.violet.hex : "#343a40")], text: entry.isAgent ? "\(entry.author) (AI)" : entry.author)
            cursor += ChatLayout.lineHeight
            text(entry.lines, at: Point(x: x + 12, y: cursor), fontSize: ChatLayout.fontSize, anchor: "start", color: .ink,
                 lineHeight: ChatLayout.lineHeight, into: &svg)
            cursor += Double(entry.lines.count) * ChatLayout.lineHeight + 10
            svg.close("g")
        }
        svg.close("g")
    }

    // MARK: Paint

    private func outline(_ shape: Shape, fill: Bool = true) -> [(String, String)] {
        (fill ? paint(fill: shape.fill) : []) + paint(stroke: shape.strokeWidth > 0 ? shape.stroke : nil, width: shape.strokeWidth)
    }

    private func paint(fill: Color?) -> [(String, String)] {
        guard let fill else { return [("fill", "none")] }
        return [("fill", fill.opaqueHex)] + (fill.alpha < 255 ? [("fill-opacity", n(fill.opacity))] : [])
    }

    private func paint(stroke: Color?, width: Double) -> [(String, String)] {
        guard let stroke, width.isFinite else { return [("stroke", "none")] }
        return [("stroke", stroke.opaqueHex), ("stroke-width", n(width))] + (stroke.alpha < 255 ? [("stroke-opacity", n(stroke.opacity))] : [])
    }

    private func markerID(for color: Color) -> String { "tessera-arrow-" + color.opaqueHex.dropFirst() }

    private func writeMarkers(for shapes: [Shape], into svg: inout SVGWriter) {
        var colors: [Color] = []
        for shape in shapes where shape.kind == .arrow {
            let color = shape.stroke ?? .ink
            if !colors.contains(where: { $0.opaqueHex == color.opaqueHex }) { colors.append(color) }
        }
        guard !colors.isEmpty else { return }
        svg.element("defs", [])
        svg.raw("\n")
        for color in colors {
            // `auto-start-reverse` would need SVG 2; the head only sits at the end, so `auto` does.
            svg.element("marker", [("id", markerID(for: color)), ("viewBox", "0 0 10 10"), ("refX", "9"), ("refY", "5"),
                                   ("markerWidth", "7"), ("markerHeight", "7"), ("orient", "auto"), ("markerUnits", "strokeWidth")])
            svg.element("path", [("d", "M 0 0 L 10 5 L 0 10 z"), ("fill", color.opaqueHex)], selfClosing: true)
            svg.close("marker")
        }
        svg.close("defs")
    }

    private func n(_ value: Double) -> String { SVGWriter.number(value) }
}

// MARK: Geometry

/// An axis-aligned box.
struct Box {
    var x, y, w, h: Double

    func union(_ other: Box) -> Box {
        let minX = min(x, other.x), minY = min(y, other.y)
        return Box(x: minX, y: minY, w: max(x + w, other.x + other.w) - minX, h: max(y + h, other.y + other.h) - minY)
    }
}

/// Where a shape is drawn: its bounding box, and for connectors the resolved end points.
struct Geometry {
    var bounds: Box
    var start: Point
    var end: Point

    /// Finite coordinates only: a shape written with NaN by another tool must not poison the viewBox.
    static func finite(_ value: Double) -> Double { value.isFinite ? min(max(value, -1e7), 1e7) : 0 }

    init(shape: Shape, shapes: [ShapeID: Shape]) {
        let (x, y, w, h) = (Geometry.finite(shape.x), Geometry.finite(shape.y), Geometry.finite(shape.w), Geometry.finite(shape.h))
        if shape.kind.isConnector {
            var start = Point(x: x, y: y)
            var end = Point(x: x + w, y: y + h)
            let from = shape.from.flatMap { shapes[$0] }.flatMap { $0.kind.isConnector ? nil : $0 }
            let to = shape.to.flatMap { shapes[$0] }.flatMap { $0.kind.isConnector ? nil : $0 }
            if let from { start = from.center }
            if let to { end = to.center }
            // A bound end stops at its shape's outline (rotation ignored), a few units short.
            if let from { start = Geometry.boundaryPoint(of: from, toward: end) }
            if let to { end = Geometry.boundaryPoint(of: to, toward: start) }
            self.start = Point(x: Geometry.finite(start.x), y: Geometry.finite(start.y))
            self.end = Point(x: Geometry.finite(end.x), y: Geometry.finite(end.y))
            (start, end) = (self.start, self.end)
            let stroke = max(Geometry.finite(shape.strokeWidth), 1) * 4
            bounds = Box(x: min(start.x, end.x) - stroke, y: min(start.y, end.y) - stroke,
                         w: abs(end.x - start.x) + 2 * stroke, h: abs(end.y - start.y) + 2 * stroke)
            return
        }
        start = Point(x: x, y: y)
        end = Point(x: x + w, y: y + h)
        let (w2, h2) = (max(w, 0), max(h, 0))
        var box = Box(x: x, y: y, w: w2, h: h2)
        let rotation = Geometry.finite(shape.rotation)
        if rotation != 0 {
            let angle = rotation * .pi / 180
            let (c, s) = (abs(cos(angle)), abs(sin(angle)))
            let (rw, rh) = (w2 * c + h2 * s, w2 * s + h2 * c)
            box = Box(x: x + w2 / 2 - rw / 2, y: y + h2 / 2 - rh / 2, w: rw, h: rh)
        }
        // Room for a frame's title above it and a sticky note's drop shadow.
        if shape.kind == .frame { box = box.union(Box(x: box.x, y: box.y - 28, w: box.w, h: 28)) }
        if shape.kind == .sticky { box = box.union(Box(x: box.x + 3, y: box.y + 4, w: box.w, h: box.h)) }
        bounds = box
    }

    static func boundaryPoint(of shape: Shape, toward target: Point) -> Point {
        let center = shape.center
        let (dx, dy) = (target.x - center.x, target.y - center.y)
        let length = (dx * dx + dy * dy).squareRoot()
        let (hw, hh) = (max(abs(shape.w) / 2, 0.001), max(abs(shape.h) / 2, 0.001))
        guard length > 0.001 else { return center }
        let t: Double
        switch shape.kind {
        case .ellipse: t = 1 / ((dx / hw) * (dx / hw) + (dy / hh) * (dy / hh)).squareRoot()
        case .diamond: t = 1 / (abs(dx) / hw + abs(dy) / hh)
        default: t = min(dx == 0 ? .infinity : hw / abs(dx), dy == 0 ? .infinity : hh / abs(dy))
        }
        let distance = min(t * length + 6, length)
        return Point(x: center.x + dx / length * distance, y: center.y + dy / length * distance)
    }
}
