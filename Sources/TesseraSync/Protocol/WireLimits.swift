import TesseraCore

/// Bounds that keep a session's memory small whatever a peer sends.
///
/// The frame limit is checked before a frame is buffered; every other bound is checked
/// before anything is allocated for the field it limits.
///
/// ```swift
/// var limits = WireLimits.standard
/// limits.maxFrameBytes = 1 << 20     // a relay that accepts at most 1 MiB per frame
/// ```
public struct WireLimits: Hashable, Sendable {
    /// The largest frame accepted (and announced in `hello`, so peers never send larger ones).
    public var maxFrameBytes: Int
    /// The longest document ID, in UTF-8 bytes.
    public var maxDocumentIDBytes: Int
    /// The longest error message, in UTF-8 bytes.
    public var maxErrorMessageBytes: Int
    /// The largest presence payload, in bytes (sealed or not).
    public var maxPresenceBytes: Int
    /// The largest encoded version vector, in bytes.
    public var maxVersionVectorBytes: Int
    /// Limits for TesseraCore decoders (version vectors and change payloads).
    public var decoding: DecodingLimits

    /// Creates limits; the defaults are those of ``standard``.
    public init(
        maxFrameBytes: Int = 16 << 20, maxDocumentIDBytes: Int = 512, maxErrorMessageBytes: Int = 4096,
        maxPresenceBytes: Int = 16 << 10, maxVersionVectorBytes: Int = 1 << 20, decoding: DecodingLimits = .standard
    ) {
        self.maxFrameBytes = maxFrameBytes
        self.maxDocumentIDBytes = maxDocumentIDBytes
        self.maxErrorMessageBytes = maxErrorMessageBytes
        self.maxPresenceBytes = maxPresenceBytes
        self.maxVersionVectorBytes = maxVersionVectorBytes
        self.decoding = decoding
    }

    /// 16 MiB frames, 512-byte document IDs, 4 KiB error messages, 16 KiB presence payloads.
    public static let standard = WireLimits()
}
