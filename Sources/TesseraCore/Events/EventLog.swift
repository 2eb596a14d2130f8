/// The events a batch of remote changes reports as it is integrated, or nothing at all when
/// no one will read them.
///
/// Replaying a whole history into a new document (``Document/init(decoding:replica:origin:limits:loading:)``)
/// discards its events, as a local transaction that does not record them does (see
/// ``Document/OpenTransaction/recordsEvents``): a log that is not recording builds no event,
/// and tells the sequences they need not work out where their edits landed.
struct EventLog {
    /// The events so far, in order (always empty when not recording).
    private(set) var events: [DocumentEvent] = []
    /// Whether events are built and kept.
    let isRecording: Bool

    init(recording: Bool) {
        isRecording = recording
    }

    /// Appends `event`, built only when recording.
    @inline(__always)
    mutating func append(_ event: @autoclosure () -> DocumentEvent) {
        if isRecording { events.append(event()) }
    }

    /// Makes room for `count` more events when recording (see ``Swift/Array/reserveRoom(for:)``).
    mutating func reserveRoom(for count: Int) {
        if isRecording { events.reserveRoom(for: count) }
    }
}
