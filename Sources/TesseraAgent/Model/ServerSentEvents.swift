/// One server-sent event: its `event:` name (if any) and its `data:` lines joined by `\n`.
public struct ServerSentEvent: Hashable, Sendable {
    /// The `event:` field; `nil` for the default `message` event.
    public var event: String?
    /// The data.
    public var data: String

    /// Creates an event.
    public init(event: String? = nil, data: String) {
        self.event = event
        self.data = data
    }
}

/// An incremental parser for `text/event-stream` bodies (the WHATWG HTML "server-sent
/// events" format): feed it bytes as they arrive, get whole events back.
///
/// Lines may end in `\n`, `\r\n` or `\r` (llama.cpp sends `\n\n`, OpenAI `\n\n`, some proxies
/// `\r\n\r\n`); a blank line ends an event; `:` lines are comments (keep-alives from OpenRouter
/// and others) and are skipped; `id:` and `retry:` are ignored, as Chat Completions does not
/// use them. A line longer than ``maximumLineBytes`` is an error, so a hostile or broken
/// server cannot make the client buffer without bound.
///
/// ```swift
/// var parser = ServerSentEventParser()
/// for event in try parser.feed(Array("data: {\"a\":1}\n\n".utf8)) { print(event.data) }
/// ```
public struct ServerSentEventParser: Sendable {
    /// The longest line accepted.
    public var maximumLineBytes: Int

    private var line: [UInt8] = []
    private var dataLines: [String] = []
    private var eventName: String?
    private var lastWasCR = false
    private var atStart = true

    /// Creates a parser.
    public init(maximumLineBytes: Int = 4 << 20) {
        self.maximumLineBytes = maximumLineBytes
    }

    /// Consumes `bytes` and returns the events they complete.
    ///
    /// - Throws: ``ModelError/invalidResponse(_:)`` for an over-long line.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(ModelError) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if lastWasCR {
                lastWasCR = false
                if byte == 0x0A { continue }  // the LF of a CRLF
            }
            switch byte {
            case 0x0A:
                endLine(into: &events)
            case 0x0D:
                lastWasCR = true
                endLine(into: &events)
            default:
                guard line.count < maximumLineBytes else {
                    throw .invalidResponse("a server-sent event line exceeds \(maximumLineBytes) bytes")
                }
                line.append(byte)
            }
        }
        return events
    }

    /// Ends the stream: an event not followed by a blank line is still delivered, since some
    /// servers close right after the last `data:` line.
    public mutating func finish() -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        if !line.isEmpty { endLine(into: &events) }
        dispatch(into: &events)
        return events
    }

    private mutating func endLine(into events: inout [ServerSentEvent]) {
        defer { line.removeAll(keepingCapacity: true) }
        if atStart {
            atStart = false
            if line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }  // a UTF-8 byte-order mark
        }
        guard !line.isEmpty else {
            dispatch(into: &events)
            return
        }
        if line.first == UInt8(ascii: ":") { return }
        let field: String
        let value: String
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = String(decoding: line[..<colon], as: UTF8.self)
            var start = colon + 1
            if start < line.count, line[start] == UInt8(ascii: " ") { start += 1 }
            value = String(decoding: line[start...], as: UTF8.self)
        } else {
            field = String(decoding: line, as: UTF8.self)
            value = ""
        }
        switch field {
        case "data": dataLines.append(value)
        case "event": eventName = value
        default: break
        }
    }

    private mutating func dispatch(into events: inout [ServerSentEvent]) {
        defer {
            dataLines.removeAll()
            eventName = nil
        }
        guard !dataLines.isEmpty else { return }
        events.append(ServerSentEvent(event: eventName, data: dataLines.joined(separator: "\n")))
    }
}
