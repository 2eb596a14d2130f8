import TesseraCore

/// The first message each side of a session sends: who it is, which document it syncs,
/// what it has and what it can do.
///
/// Each side answers the other's hello by sending every change the announced version vector
/// lacks, so a reconnect resumes exactly where the peer stands, whatever was lost.
public struct Hello: Hashable, Sendable {
    /// The protocol version the sender speaks (``currentProtocolVersion``).
    public var protocolVersion: UInt16
    /// The document (room) ID; both sides must name the same one.
    public var documentID: String
    /// The sender's replica ID (a relay has its own).
    public var replica: ReplicaID
    /// What the sender has.
    public var version: VersionVector
    /// What the sender is and can do.
    public var capabilities: Capabilities
    /// The largest frame the sender accepts; the receiver never sends it a larger one.
    public var maxFrameBytes: UInt32

    /// The protocol version this module speaks.
    public static let currentProtocolVersion: UInt16 = 1

    /// Creates a hello.
    public init(
        protocolVersion: UInt16 = Hello.currentProtocolVersion, documentID: String, replica: ReplicaID,
        version: VersionVector, capabilities: Capabilities = [], maxFrameBytes: UInt32 = UInt32(WireLimits.standard.maxFrameBytes)
    ) {
        self.protocolVersion = protocolVersion
        self.documentID = documentID
        self.replica = replica
        self.version = version
        self.capabilities = capabilities
        self.maxFrameBytes = maxFrameBytes
    }
}
