import Testing
import TesseraCanvas
import TesseraCore

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Collects what the tests check from an SVG document, using Foundation's XML parser.
private final class SVGInspector: NSObject, XMLParserDelegate {
    var rootName: String?
    var rootNamespace: String?
    var shapeIDs: [String] = []
    var kinds: [String] = []
    var elementCounts: [String: Int] = [:]
    var markerIDs: Set<String> = []
    var markerReferences: [String] = []
    var text = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if rootName == nil {
            rootName = name
            rootNamespace = attributes["xmlns"]
        }
        elementCounts[name, default: 0] += 1
        if name == "g", let id = attributes["data-shape-id"] {
            shapeIDs.append(id)
            kinds.append(attributes["data-kind"] ?? "")
        }
        if name == "marker", let id = attributes["id"] { markerIDs.insert(id) }
        if let reference = attributes["marker-end"] { markerReferences.append(reference) }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    static func inspect(_ svg: String) -> (SVGInspector, Bool, String?) {
        let inspector = SVGInspector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = inspector
        let ok = parser.parse()
        return (inspector, ok, parser.parserError.map { "\($0)" })
    }
}

@Suite("SVG rendering")
struct SVGRendererTests {
    private func sampleBoard() throws -> Board {
        var (board, _) = makeReplicas()
        let a = try board.addShape(.rectangle(x: 0, y: 0, w: 160, h: 80, fill: .stickyBlue, text: "Backlog <b>&\"'"))
        let b = try board.addShape(.ellipse(x: 300, y: 40, w: 120, h: 80, fill: Color(red: 255, green: 0, blue: 0, alpha: 128)))
        try board.addShape(.diamond(x: 100, y: 200, w: 100, h: 100, text: "?"))
        try board.addShape(.sticky("A long sticky note that certainly needs to wrap across several lines of text", x: 500, y: 0))
        try board.addShape(.text("Title\nsecond line", x: 0, y: -80))
        try board.addShape(.frame("Sprint", x: -20, y: -20, w: 700, h: 400))
        try board.addShape(.line(from: Point(x: 0, y: 350), to: Point(x: -50, y: 300), stroke: .gray))
        try board.connect(a, to: b, label: "next")
        try board.addShape(.arrow(from: Point(x: 0, y: 0), to: Point(x: 50, y: 50), stroke: .red))
        try board.addShape(Shape(kind: .custom("hexagon"), x: 10, y: 10, w: 20, h: 20, rotation: 30, opacity: 0.5))
        try board.post("Hello <team> & co", sentAt: 1)
        try board.post("", author: Author(replica: nil, name: "Tessa", actor: .agent), sentAt: 2)
        return board
    }

    @Test("renders valid XML with one element per shape, in z-order")
    func validXML() throws {
        let board = try sampleBoard()
        let svg = SVGRenderer().render(board)
        let (inspector, ok, error) = SVGInspector.inspect(svg)
        #expect(ok, "\(error ?? "")")
        #expect(inspector.rootName == "svg")
        #expect(inspector.rootNamespace == "http://www.w3.org/2000/svg")
        #expect(inspector.shapeIDs == board.zOrder.map(\.rawValue))
        #expect(inspector.kinds == board.shapes.map(\.kind.rawValue))
        #expect(inspector.elementCounts["ellipse"] == 1)
        #expect(inspector.elementCounts["polygon"] == 1)
        #expect(inspector.elementCounts["line"] == 3)
        // Text survives escaping exactly.
        #expect(inspector.text.contains("Backlog <b>&\"'"))
        #expect(inspector.text.contains("Hello <team> & co"))
        // Every arrow head refers to a defined marker.
        #expect(inspector.markerReferences.count == 2)
        #expect(inspector.markerReferences.allSatisfy { ref in inspector.markerIDs.contains { "url(#\($0))" == ref } })
        #expect(svg.contains("rotate(30 "))
        #expect(svg.contains("fill-opacity=\"0.5\""))
    }

    @Test("z-order changes change the drawing order")
    func drawingOrderFollowsZ() throws {
        var board = try sampleBoard()
        let bottom = try #require(board.zOrder.first)
        try board.bringToFront(bottom)
        let (inspector, ok, _) = SVGInspector.inspect(SVGRenderer().render(board))
        #expect(ok)
        #expect(inspector.shapeIDs.last == bottom.rawValue)
    }

    @Test("an empty board and hostile text still render valid XML")
    func hostileInput() throws {
        var (board, _) = makeReplicas()
        let (empty, emptyOK, _) = SVGInspector.inspect(SVGRenderer(showsChat: false).render(board))
        #expect(emptyOK)
        #expect(empty.shapeIDs.isEmpty)

        try board.addShape(.sticky("]]></svg><script>alert(1)</script>\u{0}\u{1}\u{FFFF}", x: 0, y: 0))
        // A colour or number written by another tool cannot break out of an attribute either.
        var document = board.document
        let shapes = try #require(board.document.get("shapes")?.objectID)
        let rogue = try document.makeObject(.map, forKey: "\"><x", in: shapes)
        try document.set("kind", to: "rect\"angle", in: rogue)
        try document.set("fill", to: "\"/><script>", in: rogue)
        try document.set("x", to: .double(.nan), in: rogue)
        try document.set("w", to: .double(1e300), in: rogue)
        board = try Board(document: document)

        let svg = SVGRenderer().render(board)
        let (inspector, ok, error) = SVGInspector.inspect(svg)
        #expect(ok, "\(error ?? "")")
        #expect(inspector.shapeIDs.count == 2)
        #expect(inspector.shapeIDs.contains("\"><x"))
        #expect(inspector.elementCounts["script"] == nil)
        #expect(!svg.contains("nan") && !svg.contains("inf"))
    }
}
