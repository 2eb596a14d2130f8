import TesseraCanvas
import TesseraCore

/// The writes an agent makes to a request's entry: claims, lease renewals, answers, failures.
/// Each runs inside the caller's transaction.
extension AgentRequests {
    /// Replaces the request's claim with a new claim map (one register write, so two
    /// concurrent claims resolve as a whole, never as a mix of their fields) and marks the
    /// request claimed.
    static func writeClaim(_ claim: AgentRequest.Claim, for id: RequestID, in doc: inout Document) throws(DocumentError) {
        guard let request = requestObject(id, in: doc) else { throw .invalidOperation("no request \(id)") }
        let map = try doc.makeObject(.map, forKey: RequestKey.claim, in: request)
        try doc.set(RequestKey.replica, to: .string(claim.replica.description), in: map)
        try doc.set(RequestKey.attempt, to: .int(Int64(claim.attempt)), in: map)
        try doc.set(RequestKey.leaseExpires, to: .int(claim.leaseExpires), in: map)
        try doc.set(RequestKey.origin, to: .string(claim.origin), in: map)
        try doc.set(RequestKey.status, to: .string(AgentRequest.Status.claimed.rawValue), in: request)
        try doc.delete(RequestKey.error, in: request)
    }

    /// Extends the lease of the current claim, if it is still `replica`'s attempt `attempt`.
    ///
    /// The write goes into the claim's own map: if another replica replaced the claim
    /// meanwhile, the renewal lands in the replaced map and changes nothing visible.
    static func renewLease(to leaseExpires: Int64, replica: ReplicaID, attempt: Int, for id: RequestID, in doc: inout Document) throws(DocumentError) {
        guard let request = requestObject(id, in: doc), case .object(let claim)? = try doc.get(RequestKey.claim, in: request),
            doc.kind(of: claim) == .map, try doc.get(RequestKey.replica, in: claim)?.stringValue == replica.description,
            try doc.get(RequestKey.attempt, in: claim)?.intValue == Int64(attempt)
        else { return }
        try doc.set(RequestKey.leaseExpires, to: .int(leaseExpires), in: claim)
    }

    /// Records `answer` under its replica's key and marks the request answered.
    static func writeAnswer(_ answer: AgentRequest.Answer, for id: RequestID, in doc: inout Document) throws(DocumentError) {
        guard let request = requestObject(id, in: doc) else { throw .invalidOperation("no request \(id)") }
        let answers: ObjectID
        if case .object(let existing)? = try doc.get(RequestKey.answers, in: request), doc.kind(of: existing) == .map {
            answers = existing
        } else {
            // Only requests filed by another tool lack the map; creating it here could race
            // with another answerer, which is why filing creates it.
            answers = try doc.makeObject(.map, forKey: RequestKey.answers, in: request)
        }
        let map = try doc.makeObject(.map, forKey: answer.replica.description, in: answers)
        try doc.set(RequestKey.replica, to: .string(answer.replica.description), in: map)
        try doc.set(RequestKey.attempt, to: .int(Int64(answer.attempt)), in: map)
        try doc.set(RequestKey.message, to: .string(answer.message.rawValue), in: map)
        try doc.set(RequestKey.origin, to: .string(answer.origin), in: map)
        try doc.set(RequestKey.answeredAt, to: .int(answer.answeredAt), in: map)
        try doc.set(RequestKey.status, to: .string(AgentRequest.Status.answered.rawValue), in: request)
        try doc.set(RequestKey.answer, to: .string(answer.message.rawValue), in: request)
        try doc.delete(RequestKey.error, in: request)
    }

    /// Marks the request failed with `reason`.
    static func writeFailure(_ reason: String, for id: RequestID, in doc: inout Document) throws(DocumentError) {
        guard let request = requestObject(id, in: doc) else { throw .invalidOperation("no request \(id)") }
        try doc.set(RequestKey.status, to: .string(AgentRequest.Status.failed.rawValue), in: request)
        try doc.set(RequestKey.error, to: .string(reason), in: request)
    }

    /// Points the request's `answer` at the kept answer's message.
    static func writeKeptAnswer(_ message: MessageID, for id: RequestID, in doc: inout Document) throws(DocumentError) {
        guard let request = requestObject(id, in: doc) else { return }
        try doc.set(RequestKey.answer, to: .string(message.rawValue), in: request)
        try doc.set(RequestKey.status, to: .string(AgentRequest.Status.answered.rawValue), in: request)
    }
}
