import ArgumentParser
import TesseraCore

/// `tessera merge A B -o OUT`: merge two divergent copies of a document.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge two divergent document files into one.")

    @Argument(help: "The first document file.")
    var first: String

    @Argument(help: "The second document file.")
    var second: String

    @Option(name: [.short, .customLong("out")], help: "Where to write the merged document.")
    var out: String

    func run() throws {
        do throws(DocumentFile.Failure) {
            var merged = try DocumentFile.load(first)
            let other = try DocumentFile.load(second)
            let before = merged.changeCount
            do {
                try merged.merge(other)
            } catch {
                throw DocumentFile.Failure(path: second, reason: "cannot be merged: \(error)")
            }
            try DocumentFile.save(merged, to: out)
            print("merged \(first) (\(before) changes) and \(second) (\(other.changeCount) changes) into \(out): \(merged.changeCount) changes")
        } catch {
            DocumentFile.exit(with: error)
        }
    }
}
