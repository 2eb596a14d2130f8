/// Bounds that keep decoding hostile input cheap: memory grows at most linearly with the
/// input, with the factors below.
///
/// The defaults accept every realistic document (the peerbench workloads use well under a
/// tenth of the element allowance) while refusing decompression bombs and run-length
/// encoded counts that would make a few bytes describe billions of operations.
///
/// ```swift
/// var limits = DecodingLimits.standard
/// limits.maxPayloadBytes = 64 << 20     // a relay that accepts at most 64 MiB per frame
/// let changes = try Change.decode(frame, limits: limits)
/// ```
public struct DecodingLimits: Hashable, Sendable {
    /// The most a deflated payload may inflate, as a multiple of its compressed size.
    public var maxInflationRatio: Int
    /// The largest (inflated) payload accepted, in bytes.
    public var maxPayloadBytes: Int
    /// Decoded elements (changes, operations, dependencies, predecessors, list values,
    /// table entries) allowed per byte of input.
    public var maxElementsPerInputByte: Int
    /// Elements allowed on top of the per-byte allowance, so tiny inputs are not refused.
    public var elementAllowance: Int

    /// Creates limits; the defaults are those of ``standard``.
    public init(maxInflationRatio: Int = 64, maxPayloadBytes: Int = 1 << 30, maxElementsPerInputByte: Int = 32,
                elementAllowance: Int = 4096) {
        self.maxInflationRatio = maxInflationRatio
        self.maxPayloadBytes = maxPayloadBytes
        self.maxElementsPerInputByte = maxElementsPerInputByte
        self.elementAllowance = elementAllowance
    }

    /// The default limits: 64× inflation, 1 GiB payloads, 32 elements per input byte + 4096.
    public static let standard = DecodingLimits()

    /// The largest inflated size accepted for `storedCount` compressed bytes.
    func maxInflatedCount(storedCount: Int) -> Int {
        let (scaled, overflow) = storedCount.multipliedReportingOverflow(by: max(maxInflationRatio, 1))
        return overflow ? maxPayloadBytes : min(scaled, maxPayloadBytes)
    }

    /// The element budget for an input of `inputCount` bytes.
    func elementBudget(inputCount: Int) -> Int {
        let (scaled, overflow) = inputCount.multipliedReportingOverflow(by: max(maxElementsPerInputByte, 0))
        let (total, overflow2) = scaled.addingReportingOverflow(max(elementAllowance, 0))
        return overflow || overflow2 ? Int.max : total
    }
}

/// The number of elements a decoder may still materialise; spent as counts are read, before
/// anything is allocated for them.
struct ElementBudget: Sendable {
    private(set) var remaining: Int

    init(_ remaining: Int) { self.remaining = remaining }

    @inline(__always)
    mutating func spend(_ count: Int, at offset: Int, for what: String) throws(EncodingError) {
        guard count >= 0, count <= remaining else {
            throw .limitExceeded(offset: offset, reason: "\(count) \(what) exceed the element budget for this input size")
        }
        remaining -= count
    }
}
