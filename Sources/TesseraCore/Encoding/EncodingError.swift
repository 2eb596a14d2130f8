/// Why encoded bytes could not be decoded or applied.
///
/// Decoders never trap on bad input: truncation, corruption, lying length prefixes,
/// decompression bombs and semantically invalid changes all end in one of these cases.
/// A document that fails to apply encoded bytes is left exactly as it was.
///
/// Offsets count bytes from the start of the input, except inside a deflated payload,
/// where they count bytes of the inflated payload (the bytes the column decoder reads).
public enum EncodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input ends at `offset` although at least `needed` more bytes are required there.
    case truncated(offset: Int, needed: Int)
    /// The input does not start with the Tessera magic bytes.
    case badMagic
    /// The container was written by a newer (or unknown) format version.
    case unsupportedVersion(found: UInt8)
    /// The container's kind byte names no known kind.
    case unsupportedKind(found: UInt8)
    /// The container is well formed but holds another kind of content than the caller expects.
    case unexpectedKind(expected: ContainerKind, found: ContainerKind)
    /// The container sets flag bits this version does not understand.
    case unsupportedFlags(found: UInt8)
    /// The CRC-32 stored in the header does not match the bytes.
    case checksumMismatch(expected: UInt32, found: UInt32)
    /// The bytes at `offset` are structurally invalid.
    case invalid(offset: Int, reason: String)
    /// Decoding would exceed a ``DecodingLimits`` bound (a decompression bomb or an
    /// absurd element count).
    case limitExceeded(offset: Int, reason: String)
    /// zlib could not inflate the payload that starts at `offset`.
    case decompressionFailed(offset: Int, reason: String)
    /// The bytes decoded, but the document refused the changes (for instance an operation
    /// on an object that does not exist). The document is unchanged.
    case rejected(DocumentError)

    public var description: String {
        switch self {
        case .truncated(let offset, let needed): "truncated input: \(needed) more byte(s) needed at offset \(offset)"
        case .badMagic: "not a Tessera encoding (bad magic bytes)"
        case .unsupportedVersion(let found): "unsupported format version \(found)"
        case .unsupportedKind(let found): "unsupported container kind \(found)"
        case .unexpectedKind(let expected, let found): "expected a \(expected) container, found a \(found) container"
        case .unsupportedFlags(let found): "unsupported container flags 0x\(String(found, radix: 16))"
        case .checksumMismatch(let expected, let found):
            "checksum mismatch: header says 0x\(String(expected, radix: 16)), bytes give 0x\(String(found, radix: 16))"
        case .invalid(let offset, let reason): "invalid encoding at offset \(offset): \(reason)"
        case .limitExceeded(let offset, let reason): "decoding limit exceeded at offset \(offset): \(reason)"
        case .decompressionFailed(let offset, let reason): "decompression failed at offset \(offset): \(reason)"
        case .rejected(let error): "changes rejected by the document: \(error)"
        }
    }
}
