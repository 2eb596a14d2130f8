import ArgumentParser
import Foundation
import TesseraCanvas

/// `tessera export FILE --svg OUT`: draw a board.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Render a board document to SVG.")

    @Argument(help: "A board document file.")
    var file: String

    @Option(help: "Where to write the SVG.")
    var svg: String

    @Flag(help: "Leave out the chat panel.")
    var noChat = false

    func run() throws {
        do throws(DocumentFile.Failure) {
            let board = try DocumentFile.loadBoard(file)
            let image = SVGRenderer(showsChat: !noChat).render(board)
            do {
                try image.write(toFile: svg, atomically: true, encoding: .utf8)
            } catch {
                throw DocumentFile.Failure(path: svg, reason: "cannot write: \(error.localizedDescription)")
            }
            print("wrote \(svg) (\(board.shapeCount) shapes)")
        } catch {
            DocumentFile.exit(with: error)
        }
    }
}
