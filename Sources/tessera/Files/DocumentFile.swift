import Foundation
import TesseraCanvas
import TesseraCore

/// Reading and writing Tessera document files (the binary snapshot format), with one-line
/// errors for the command line.
enum DocumentFile {
    /// Why a file could not be used.
    struct Failure: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "\(path): \(reason)" }
    }

    /// Loads the document in `path` (a snapshot or a changes file) as a fresh replica.
    static func load(_ path: String) throws(Failure) -> Document {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw Failure(path: path, reason: "cannot read: \((error as NSError).localizedDescription)")
        }
        let document: Document
        do {
            document = try Document(decoding: bytes)
        } catch {
            throw Failure(path: path, reason: "not a valid Tessera document: \(error)")
        }
        // The snapshot opened lazily: decode it now, so that a file that passes its CRC but
        // does not decode is reported here, not as a refused edit later.
        if let error = document.loadError {
            throw Failure(path: path, reason: "not a valid Tessera document: \(error)")
        }
        return document
    }

    /// Loads `path` as a board (the canvas layout must be present).
    static func loadBoard(_ path: String) throws(Failure) -> Board {
        let document = try load(path)
        do {
            return try Board(document: document)
        } catch {
            throw Failure(path: path, reason: "not a board: \(error)")
        }
    }

    /// Writes `document`'s snapshot to `path` atomically.
    static func save(_ document: Document, to path: String) throws(Failure) {
        do {
            try Data(document.encodeSnapshot()).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw Failure(path: path, reason: "cannot write: \((error as NSError).localizedDescription)")
        }
    }

    /// Prints `tessera: error: …` on standard error and exits with status 1: a corrupt or
    /// missing file is a one-line error, never a crash or a stack trace.
    static func exit(with failure: Failure) -> Never {
        FileHandle.standardError.write(Data("tessera: error: \(failure)\n".utf8))
        Foundation.exit(1)
    }
}
