import ArgumentParser
import Foundation
import TesseraCanvas
import TesseraCore

/// `tessera demo`: two replicas of a board diverge offline, merge, and explain the result.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Simulate two people editing one board offline, merge, and explain every conflict.",
        discussion: """
            Ada and Grace start from a shared board (a few shapes and a welcome message), edit it \
            offline in ways that collide (moves, recolours, a delete against an edit, concurrent \
            z-order changes, chat messages and typing in one sticky note), then merge both ways. \
            The report shows how each conflict was resolved and checks that both replicas \
            converged; the merged board is written as SVG.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Where to write the merged board as SVG.", valueName: "path"))
    var out: String = "tessera-demo.svg"

    @Option(name: .long, help: ArgumentHelp("Also save the documents here: ada.tessera and grace.tessera (each side just before the merge) and merged.tessera.", valueName: "dir"))
    var save: String?

    @Option(name: .long, help: ArgumentHelp("Seed for the replica IDs, to reproduce a run exactly (random by default).", valueName: "n"))
    var seed: UInt64?

    func run() async throws {
        let seed = self.seed ?? UInt64.random(in: 0...999_999)
        var generator = SeededGenerator(seed: seed)
        var scenario = DemoScenario(ada: .random(using: &generator), grace: .random(using: &generator))
        let outcome = try scenario.run()

        let report = MergeReport(outcome: outcome, seed: seed)
        print(report.render())

        let svg = SVGRenderer().render(outcome.ada)
        do {
            try svg.write(toFile: out, atomically: true, encoding: .utf8)
        } catch {
            throw DemoError.cannotWrite(path: out, reason: error.localizedDescription)
        }
        print("\nSVG of the merged board written to \(out) (\(svg.utf8.count) bytes, \(outcome.ada.shapeCount) shapes, chat panel)")

        if let save {
            // The divergent sides, so `tessera merge` can redo the merge from files.
            do {
                try FileManager.default.createDirectory(atPath: save, withIntermediateDirectories: true)
            } catch {
                throw DemoError.cannotWrite(path: save, reason: error.localizedDescription)
            }
            let files = [("ada.tessera", outcome.adaBefore.document), ("grace.tessera", outcome.graceBefore.document),
                         ("merged.tessera", outcome.ada.document)]
            for (name, document) in files {
                let path = (save as NSString).appendingPathComponent(name)
                do { try DocumentFile.save(document, to: path) } catch { throw DemoError.cannotWrite(path: path, reason: error.reason) }
            }
            print("Documents saved to \(save)/: ada.tessera, grace.tessera (before the merge), merged.tessera")
        }

        if !report.converged { throw ExitCode.failure }
    }
}

/// Why `tessera demo` failed after parsing its arguments.
enum DemoError: Error, CustomStringConvertible {
    case cannotWrite(path: String, reason: String)

    var description: String {
        switch self {
        case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
        }
    }
}
