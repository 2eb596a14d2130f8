import TesseraTestSupport
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import Synchronization
import TesseraSync
#if canImport(Glibc)
import Glibc
#endif

/// What a raw client saw before the other side closed.
struct RawOutcome: Sendable {
    /// Every sync message received, decoded.
    var messages: [Message]
    /// The WebSocket close code, if the server sent a close frame.
    var closeCode: String?

    /// The `error` message received, if any.
    var errorCode: ErrorCode? {
        for case .error(let code, _) in messages { return code }
        return nil
    }
}

/// A WebSocket client that sends whatever `script` writes — no session, no checks — and
/// collects what the server answers until it closes the connection.
func rawWebSocket(
    _ url: String, token: String? = nil, frameSize: Int = 1 << 20,
    script: @escaping @Sendable (WebSocketOutboundWriter, AsyncStream<Message>) async throws -> Void
) async throws -> RawOutcome {
    var rawLogger = Logger(label: "test.raw")
    rawLogger.logLevel = ProcessInfo.processInfo.environment["TESSERA_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    let logger = rawLogger
    var clientConfiguration = WebSocketClientConfiguration(maxFrameSize: frameSize, closeTimeout: .seconds(2))
    if let token { clientConfiguration.additionalHeaders[.authorization] = "Bearer \(token)" }
    let configuration = clientConfiguration
    let received = MessageLog()
    let close = try await withTimeout(.seconds(20)) {
        try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
            let (stream, continuation) = AsyncStream<Message>.makeStream()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    defer { continuation.finish() }
                    for try await message in inbound.messages(maxSize: 32 << 20) {
                        guard case .binary(let buffer) = message, let decoded = try? Message(decoding: Array(buffer.readableBytesView))
                        else { continue }
                        received.messages.withLock { $0.append(decoded) }
                        continuation.yield(decoded)
                    }
                }
                try await script(outbound, stream)
                // Wait for the server to close.
                try await group.waitForAll()
            }
        }
    }
    return RawOutcome(messages: received.messages.withLock { $0 }, closeCode: close.map { "\($0.closeCode)" })
}

/// The messages a raw client received, shared with its reading task.
private final class MessageLog: Sendable {
    let messages = Mutex<[Message]>([])
}

extension WebSocketOutboundWriter {
    /// Sends one sync message as a binary WebSocket message.
    func send(_ message: Message) async throws {
        try await writeBinaryMessage(ByteBuffer(bytes: message.encoded()))
    }

    /// Sends raw bytes as a binary WebSocket message.
    func send(bytes: [UInt8]) async throws {
        try await writeBinaryMessage(ByteBuffer(bytes: bytes))
    }
}

/// Performs the WebSocket upgrade for `path` over a plain TCP socket, writes `bytes`, and
/// reads until the server closes the connection (or 10 s pass). Returns whether the server
/// closed, and what it sent after the upgrade response.
///
/// Runs on a thread of its own: the socket calls block.
func rawTCP(port: Int, path: String, then bytes: [UInt8]) async -> (closed: Bool, received: [UInt8]) {
    await withCheckedContinuation { continuation in
        let thread = Thread {
            continuation.resume(returning: blockingRawTCP(port: port, path: path, then: bytes))
        }
        thread.start()
    }
}

private func blockingRawTCP(port: Int, path: String, then bytes: [UInt8]) -> (closed: Bool, received: [UInt8]) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return (false, []) }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return (false, []) }
    let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    _ = Array(request.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    // Read the upgrade response.
    while !received.contains(bytes: Array("\r\n\r\n".utf8)) {
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return (count == 0, received) }
        received += buffer[0..<count]
    }
    received = []
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    while true {
        let count = recv(fd, &buffer, buffer.count, 0)
        if count == 0 { return (true, received) }
        if count < 0 { return (errno == ECONNRESET, received) }
        received += buffer[0..<count]
    }
}
