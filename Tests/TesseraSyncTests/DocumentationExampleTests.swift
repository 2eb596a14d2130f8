import Testing
import TesseraCore
import TesseraSync

/// The DocC page's first example, compiled and run so it keeps working.
@Suite("Documentation examples")
struct DocumentationExampleTests {
    @Test("A first sync")
    func firstSync() throws {
        var ada = Document(origin: .human("Ada"))
        try ada.set("title", to: "Plan")
        var grace = ada.fork()
        try grace.set("owner", to: "Grace")

        var a = SyncSession(configuration: SyncConfiguration(documentID: "plan", replica: ada.replica))
        var g = SyncSession(configuration: SyncConfiguration(documentID: "plan", replica: grace.replica))
        var adaSource = DocumentSource(ada)
        var graceSource = DocumentSource(grace)

        var toGrace = a.handle(.start, now: .zero, source: &adaSource)
        var toAda = g.handle(.start, now: .zero, source: &graceSource)
        while !toGrace.isEmpty || !toAda.isEmpty {
            let frames = (toGrace, toAda)
            toGrace = []; toAda = []
            for case .send(let message) in frames.0 {
                toAda += g.handle(.frame(message.encoded()), now: .zero, source: &graceSource)
            }
            for case .send(let message) in frames.1 {
                toGrace += a.handle(.frame(message.encoded()), now: .zero, source: &adaSource)
            }
        }
        #expect(adaSource.document.materialize() == graceSource.document.materialize())
        #expect(try adaSource.document.get("owner") == "Grace")
    }

    @Test("End-to-end encryption setup")
    func sealedSetup() throws {
        let doc = Document(origin: .human("Ada"))
        let secret = RoomSecret()
        let key = RoomKey(secret: secret, documentID: "plan")
        let configuration = SyncConfiguration(documentID: "plan", replica: doc.replica, capabilities: [.sealed, .presence])
        let source = DocumentSource(doc, roomKey: key)
        #expect(configuration.isSealed)
        #expect(source.roomKey != nil)
        #expect(RoomSecret(base64URL: secret.base64URL)?.isEqual(to: secret) == true)
    }
}
