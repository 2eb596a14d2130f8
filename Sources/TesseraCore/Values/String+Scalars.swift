#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension String {
    /// A string of `scalars`, encoded to UTF-8 straight into the string's storage.
    ///
    /// `String.UnicodeScalarView.append(contentsOf:)` takes a generic path that cost a third
    /// of a whole-history export (one string per typed run); this is a plain encoding loop.
    init(scalars: some Collection<Unicode.Scalar>) {
        var count = 0
        for scalar in scalars { count += UTF8.width(scalar) }
        guard count > 0 else {
            self = ""
            return
        }
        self.init(unsafeUninitializedCapacity: count) { buffer in
            var written = 0
            for scalar in scalars {
                UTF8.encode(scalar) { byte in
                    buffer[written] = byte
                    written += 1
                }
            }
            return written
        }
    }
}

extension String {
    /// The string's only scalar when it is one ASCII character (a one-byte string always
    /// is), else `nil`: typing's commonest text, checked without the storage access.
    @inline(__always)
    var singleASCIIScalar: Unicode.Scalar? {
        // Subscripted, not `utf8.first`: that generic path was not inlined (23 instructions).
        guard utf8.count == 1 else { return nil }
        return Unicode.Scalar(utf8[utf8.startIndex])
    }

    /// The number of Unicode scalars: one per UTF-8 byte that does not continue a sequence,
    /// counted over the string's contiguous storage (`unicodeScalars.count` walks the view
    /// index by index).
    var scalarCount: Int {
        if let count = utf8.withContiguousStorageIfAvailable({ bytes in
            var count = 0
            for byte in bytes where byte & 0xC0 != 0x80 { count &+= 1 }
            return count
        }) {
            return count
        }
        return unicodeScalars.count
    }
}

extension Array where Element == Unicode.Scalar {
    /// Appends `bytes`, which are ASCII, one scalar per byte.
    mutating func append(ascii bytes: UnsafeBufferPointer<UInt8>) {
        // Room first, then filled through a pointer: appended one by one, each scalar paid a
        // uniqueness and capacity check.
        let start = count
        append(contentsOf: repeatElement(Unicode.Scalar(0), count: bytes.count))
        withUnsafeMutableBufferPointer { scalars in
            for k in 0..<bytes.count { scalars[start &+ k] = Unicode.Scalar(bytes[k]) }
        }
    }

    /// Appends the scalars of `text`, decoding its contiguous UTF-8 storage directly:
    /// `append(contentsOf: text.unicodeScalars)` takes a slow generic path (hundreds of
    /// instructions for one typed character). A String's UTF-8 is always valid.
    mutating func append(scalarsOf text: String) {
        // One typed ASCII character, the commonest case, without the storage access.
        if let scalar = text.singleASCIIScalar {
            append(scalar)
            return
        }
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
            // ASCII (typing, mostly): one scalar per byte, appended in one call.
            var ascii = true
            for byte in bytes where byte >= 0x80 {
                ascii = false
                break
            }
            if ascii {
                append(ascii: bytes)
                return
            }
            var i = 0
            while i < bytes.count {
                let lead = UInt32(bytes[i])
                if lead < 0x80 {
                    append(Unicode.Scalar(UInt8(truncatingIfNeeded: lead)))
                    i &+= 1
                    continue
                }
                // A lead byte of 2, 3 or 4 bytes: its length and its payload bits.
                let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
                var value = lead & (0x7F >> UInt32(length))
                for k in 1..<length { value = value << 6 | UInt32(bytes[i &+ k] & 0x3F) }
                append(Unicode.Scalar(value).unsafelyUnwrapped)
                i &+= length
            }
        }
        if done == nil {
            for scalar in text.unicodeScalars { append(scalar) }
        }
    }
}

extension String {
    /// Whether the two strings are the same UTF-8 bytes. `==` compares canonical equivalence
    /// instead ("é" precomposed equals "e" and a combining accent), but keys and string
    /// tables are bytes, as they are to Yjs and Automerge: a key that matched a canonically
    /// equivalent one on one replica and not on another would split their states.
    ///
    /// The same two words are the same bytes (a small string holds its bytes in them, a
    /// large one is its buffer), so equal instances compare without reading the bytes.
    @inline(__always)
    func hasSameUTF8(as other: String) -> Bool {
        let (a0, a1) = unsafeBitCast(self, to: (UInt64, UInt64).self)
        let (b0, b1) = unsafeBitCast(other, to: (UInt64, UInt64).self)
        if a0 == b0 && a1 == b1 { return true }
        return bytesEqual(other)
    }

    /// The order of the two strings' UTF-8 bytes, lexicographically: negative if this one's
    /// come first, 0 if they are the same bytes, positive if `other`'s come first. The order
    /// of keys as bytes (``MaterializedMap``), where `<` would order them by scalars and
    /// equate canonically equivalent ones.
    func utf8Order(_ other: String) -> Int {
        var x = self
        var y = other
        return x.withUTF8 { p in
            y.withUTF8 { q in
                let common = Swift.min(p.count, q.count)
                if common > 0 {
                    let order = memcmp(p.baseAddress!, q.baseAddress!, common)
                    if order != 0 { return order < 0 ? -1 : 1 }
                }
                return p.count == q.count ? 0 : (p.count < q.count ? -1 : 1)
            }
        }
    }

    private func bytesEqual(_ other: String) -> Bool {
        // withUTF8 makes a bridged string contiguous first.
        var x = self
        var y = other
        return x.withUTF8 { p in
            y.withUTF8 { q in p.count == q.count && (p.isEmpty || memcmp(p.baseAddress!, q.baseAddress!, p.count) == 0) }
        }
    }
}
