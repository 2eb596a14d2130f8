import Foundation
import Synchronization
import TesseraCanvas

/// A test's failure to set up or observe something (no answer, no executable).
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The `tessera` executable built alongside the tests (`swift build`/`swift test` build every
/// product into the same directory), or `$TESSERA_BINARY`.
public enum TesseraBinary {
    public static var path: String? {
        if let explicit = ProcessInfo.processInfo.environment["TESSERA_BINARY"] { return explicit }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // The test runner may be inside an .xctest bundle directory.
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("tessera").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return nil
    }
}

/// A `tessera` process with its standard input and output as pipes; standard error goes to a
/// file, for reading when a test fails.
public final class TesseraProcess: Sendable {
    public let process: Process
    public let arguments: [String]
    private let input: FileHandle
    private let output: LineBuffer
    public let stderrPath: String

    /// Starts `tessera arguments…`, its standard error going to `stderrPath`, with
    /// `environment` added to this process's environment.
    public init(_ arguments: [String], stderrPath: String, environment: [String: String] = [:]) throws {
        guard let binary = TesseraBinary.path else { throw TestFailure("the tessera executable was not built next to the tests") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let stdin = Pipe()
        let stdout = Pipe()
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        let reader = stdout.fileHandleForReading
        let output = LineBuffer()
        // A thread of its own: reading a pipe blocks.
        let thread = Thread {
            var pending = Data()
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                pending += chunk
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    output.state.withLock { $0.lines.append(line) }
                    pending = Data(pending[(newline + 1)...])
                }
            }
            output.state.withLock { $0.ended = true }
        }
        try process.run()
        thread.start()
        self.process = process
        self.arguments = arguments
        input = stdin.fileHandleForWriting
        self.output = output
        self.stderrPath = stderrPath
    }

    /// The next line of standard output, or `nil` if it ended or `timeout` passed.
    public func nextLine(timeout: Duration = .seconds(30)) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (line, ended) = output.state.withLock { state -> (String?, Bool) in
                (state.lines.isEmpty ? nil : state.lines.removeFirst(), state.ended)
            }
            if let line { return line }
            if ended || ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Sends one command line and returns the parsed result line.
    public func command(_ json: String, timeout: Duration = .seconds(30)) async throws -> JSONValue {
        input.write(Data((json + "\n").utf8))
        guard let line = await nextLine(timeout: timeout) else { throw TestFailure("no answer to \(json); stderr: \(stderr)") }
        return try JSONValue(parsing: line)
    }

    /// `{"tool":"sync_status"}`'s result.
    public func status() async throws -> JSONValue {
        let answer = try await command(#"{"tool":"sync_status"}"#)
        guard let result = answer["result"] else { throw TestFailure("sync_status failed: \(answer.serialized)") }
        return result
    }

    /// Closes standard input (the end of commands).
    public func closeInput() { try? input.close() }

    /// Sends `signal` (SIGKILL: no chance to clean up).
    public func kill(_ signal: Int32 = SIGKILL) { Foundation.kill(process.processIdentifier, signal) }

    /// Waits (bounded) for the process to exit; returns its status, or `nil` on timeout.
    public func waitForExit(timeout: Duration = .seconds(30)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    deinit {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }
}

/// Lines read from a process's standard output and not consumed yet, and whether it ended.
private final class LineBuffer: Sendable {
    let state = Mutex<(lines: [String], ended: Bool)>(([], false))
}
