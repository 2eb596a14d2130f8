import Crypto

/// The keys of an end-to-end encrypted room, derived from its ``RoomSecret``.
///
/// HKDF-SHA256 turns the secret, salted with the document ID, into one ChaCha20-Poly1305
/// key per purpose (change payloads, presence), so a payload sealed for one purpose never
/// opens as another. Every seal uses a fresh random 96-bit nonce; a sealed payload is
/// `nonce (12) ‖ ciphertext ‖ tag (16)`, and the cleartext header travelling with it is
/// authenticated as associated data.
///
/// ```swift
/// let key = RoomKey(secret: secret, documentID: "plan")
/// let envelope = try ChangeEnvelope(changes: [change], sealedWith: key)
/// ```
public struct RoomKey: Sendable {
    /// What a sealed payload is for; each purpose has its own key.
    enum Purpose: Sendable {
        case changes
        case presence
    }

    private let changesKey: SymmetricKey
    private let presenceKey: SymmetricKey

    /// A credential derived from the secret that members may show a relay (e.g. as the room
    /// token), so the relay admits only members without learning anything that opens or
    /// forges payloads: it is a separate HKDF output, 32 bytes in base64url.
    ///
    /// A relay cannot authenticate sealed payloads, so without such a gate anyone who can
    /// connect could store garbage under real-looking headers; members would refuse it, but
    /// the relay would keep serving it.
    public let accessToken: String

    /// Derives the room's keys.
    ///
    /// - Parameter documentID: the room's document ID, so one secret reused for two rooms
    ///   still yields unrelated keys.
    public init(secret: RoomSecret, documentID: String) {
        let material = SymmetricKey(data: secret.bytes)
        let salt = Array("tessera/room-key/v1".utf8)
        func derive(_ purpose: String) -> SymmetricKey {
            // The purpose is NUL-terminated so "changes" + ID can never equal "presence" + another ID.
            HKDF<SHA256>.deriveKey(
                inputKeyMaterial: material, salt: salt, info: Array(purpose.utf8) + [0] + Array(documentID.utf8),
                outputByteCount: 32)
        }
        changesKey = derive("changes")
        presenceKey = derive("presence")
        accessToken = derive("access").withUnsafeBytes { Base64URL.encode(Array($0)) }
    }

    private func key(for purpose: Purpose) -> SymmetricKey {
        switch purpose {
        case .changes: changesKey
        case .presence: presenceKey
        }
    }

    /// Seals `plaintext`, binding `associatedData`, with a fresh random nonce.
    func seal(_ plaintext: [UInt8], authenticating associatedData: [UInt8], purpose: Purpose) throws(SealingError) -> [UInt8] {
        do {
            let box = try ChaChaPoly.seal(plaintext, using: key(for: purpose), nonce: ChaChaPoly.Nonce(), authenticating: associatedData)
            return Array(box.combined)
        } catch {
            throw .sealingFailed("\(error)")
        }
    }

    /// Opens a payload made by ``seal(_:authenticating:purpose:)`` with the same associated data.
    func open(_ sealed: [UInt8], authenticating associatedData: [UInt8], purpose: Purpose) throws(SealingError) -> [UInt8] {
        guard sealed.count >= 28 else { throw .malformed(byteCount: sealed.count) }
        let box: ChaChaPoly.SealedBox
        do {
            box = try ChaChaPoly.SealedBox(combined: sealed)
        } catch {
            throw .malformed(byteCount: sealed.count)
        }
        do {
            return Array(try ChaChaPoly.open(box, using: key(for: purpose), authenticating: associatedData))
        } catch {
            throw .authenticationFailed
        }
    }
}
