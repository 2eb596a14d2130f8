import Foundation

/// Standard input as an async sequence of lines, read on a thread of its own: `readLine()`
/// blocks, and blocking one of the few threads of Swift's cooperative pool would stall the
/// sync tasks while a person thinks about the next command.
enum StandardInputLines {
    static func stream() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .unbounded)
        let thread = Thread {
            while let line = readLine(strippingNewline: true) { continuation.yield(line) }
            continuation.finish()
        }
        thread.name = "tessera-stdin"
        thread.start()
        return stream
    }
}

/// Writes whole lines to standard output with one unbuffered write each, so a script reading
/// the pipe sees every result as soon as it is printed.
enum StandardOutput {
    static func writeLine(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
