import TesseraCore
import TesseraSync

extension SyncConfiguration {
    /// Session settings for a reliable, ordered transport such as a WebSocket.
    ///
    /// `SyncConfiguration`'s defaults suit any transport, including ones that lose frames
    /// without closing; on such a path, unacknowledged changes are sent again after
    /// ``SyncConfiguration/resendTimeout``. A WebSocket never loses a frame without closing
    /// the connection (and a reconnect resumes from the hellos' version vectors), so a resend
    /// on a live connection would only repeat what a slow peer is still working through —
    /// adding load exactly when it is overloaded. Here the resend timer is effectively off.
    ///
    /// ```swift
    /// let configuration = SyncConfiguration.webSocket(documentID: "plan", replica: doc.replica)
    /// ```
    public static func webSocket(
        documentID: String, replica: ReplicaID, capabilities: Capabilities = [.presence], limits: WireLimits = .standard
    ) -> SyncConfiguration {
        var configuration = SyncConfiguration(documentID: documentID, replica: replica, capabilities: capabilities, limits: limits)
        configuration.resendTimeout = .seconds(24 * 3600)
        return configuration
    }
}
