import Synchronization

/// A snapshot whose envelope and CRC were checked when the document was opened, and whose
/// payload is inflated and decoded when the document is first used (as Loro loads state
/// lazily): opening a document for a quick look, or to hand it on, costs the checksum.
///
/// The first reader decodes it once and every copy of the unedited document shares the
/// result; the first writer takes it (or copies it, if another copy still shares it).
/// Decoding follows ``SnapshotLoading/materializedState``: the materialised state, with the
/// history deferred further. If the state does not decode, the history is replayed instead;
/// if that fails too, the document is left empty and fails closed (see
/// ``Document/loadError``).
final class UnopenedSnapshot: @unchecked Sendable {
    // @unchecked: `value` is written once, under `lock`, before `isLoaded` is set (releasing);
    // it is read only after `isLoaded` is seen set (acquiring), and moved out only by a
    // document that holds the only reference.

    let bytes: [UInt8]
    let envelope: ContainerEnvelope
    let limits: DecodingLimits
    let replica: ReplicaID
    private let isLoaded = Atomic<Bool>(false)
    private let lock = Mutex<Void>(())
    private var value = DocumentCore()

    init(bytes: [UInt8], envelope: ContainerEnvelope, limits: DecodingLimits, replica: ReplicaID) {
        self.bytes = bytes
        self.envelope = envelope
        self.limits = limits
        self.replica = replica
    }

    /// Whether the first use has decoded the snapshot.
    var hasDecoded: Bool { isLoaded.load(ordering: .acquiring) }

    /// The decoded document (decoded now if this is the first use).
    var core: DocumentCore {
        _read {
            if !isLoaded.load(ordering: .acquiring) { load() }
            yield value
        }
    }

    /// Moves the decoded document out; only for a caller holding the only reference.
    func take() -> DocumentCore {
        if !isLoaded.load(ordering: .acquiring) { load() }
        var taken = DocumentCore()
        swap(&value, &taken)
        return taken
    }

    @inline(never)
    private func load() {
        lock.withLock { _ in
            guard !isLoaded.load(ordering: .relaxed) else { return }
            value = decode()
            isLoaded.store(true, ordering: .releasing)
        }
    }

    /// The state, else the replayed history, else an empty document that reports why.
    private func decode() -> DocumentCore {
        let stateError: EncodingError
        do throws(EncodingError) {
            let container = try envelope.open(bytes)
            do throws(EncodingError) {
                guard let core = try DocumentCore(state: container, of: bytes, limits: limits, replica: replica) else {
                    throw .invalid(offset: 0, reason: "the snapshot has no state section")
                }
                return core
            } catch {
                stateError = error
            }
            // The history is what the state stands for: replay it.
            do throws(EncodingError) {
                return try Document(replaying: container, replica: replica, origin: .anonymous).core
            } catch {
                // Report the state's problem: it is the first one met.
            }
        } catch {
            stateError = error
        }
        var core = DocumentCore(replica: replica)
        core.loadFailure = LoadFailure(error: stateError, bytes: bytes)
        return core
    }
}

/// Why a lazily opened snapshot could not be decoded, with the bytes it came from (so that
/// ``Document/encodeSnapshot(compression:)`` hands them back unchanged).
struct LoadFailure: Sendable {
    var error: EncodingError
    var bytes: [UInt8]
}

extension Document {
    /// Why the snapshot this document was opened from could not be loaded, if it could not.
    ///
    /// A snapshot opened with ``SnapshotLoading/lazyState`` has its envelope and CRC checked
    /// at once and its payload decoded on first use. Bytes that pass the CRC yet do not decode
    /// (only bytes crafted that way can) leave the document empty and failing closed: every
    /// edit, merge and apply throws ``DocumentError/notLoaded(_:)`` (as does every read that
    /// names an object; ``Document/materialize(_:)`` gives an empty map), and
    /// ``encodeSnapshot(compression:)`` returns the original bytes, so nothing stored is
    /// overwritten with the empty document. Reading it decodes the snapshot if that has not
    /// happened yet.
    public var loadError: EncodingError? { withState { $0.loadFailure?.error } }
}
