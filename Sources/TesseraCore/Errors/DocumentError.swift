/// Why a document operation was refused. A refused operation leaves the document unchanged.
public enum DocumentError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No object with this ID exists in the document.
    case unknownObject(ObjectID)
    /// The object exists but is of another kind.
    case wrongKind(ObjectID, expected: ObjectKind, found: ObjectKind)
    /// An index is outside the sequence.
    case indexOutOfBounds(index: Int, count: Int)
    /// A change refers to an operation this document does not have and cannot wait for.
    case unknownOperation(OpID)
    /// A change's operation is not valid for its target (e.g. a list insert into a map).
    case invalidOperation(String)
    /// A change from `replica` overlaps what is already here but differs: two writers used one replica ID.
    case inconsistentHistory(replica: ReplicaID, counter: UInt64)
    /// The replica's counter space (2³²−1 operations) is exhausted.
    case counterOverflow
    /// The snapshot the document was opened from did not decode on first use, so the document
    /// refuses edits (see ``Document/loadError``).
    indirect case notLoaded(EncodingError)

    public var description: String {
        switch self {
        case .unknownObject(let id): "unknown object \(id)"
        case .wrongKind(let id, let expected, let found): "object \(id) is a \(found), not a \(expected)"
        case .indexOutOfBounds(let index, let count): "index \(index) out of bounds (count \(count))"
        case .unknownOperation(let id): "unknown operation \(id)"
        case .invalidOperation(let reason): "invalid operation: \(reason)"
        case .inconsistentHistory(let replica, let counter):
            "inconsistent history: replica \(replica) counter \(counter) was used for two different changes"
        case .counterOverflow: "operation counter overflow"
        case .notLoaded(let error): "the document's snapshot did not load: \(error)"
        }
    }
}
