import ArgumentParser
import Foundation
import TesseraAgent

/// `--agent` and `--agent-name`, shared by `join` and `serve`.
struct AgentOptions: ParsableArguments {
    @Flag(help: "Run the AI participant (model from OPENAI_BASE_URL, OPENAI_API_KEY, TESSERA_MODEL).")
    var agent = false

    @Option(help: ArgumentHelp("The AI participant's display name.", valueName: "name"))
    var agentName: String = "Tessa"

    func validate() throws {
        guard !agentName.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("--agent-name must not be empty") }
        if agent {
            do {
                _ = try ModelConfiguration.fromEnvironment()
            } catch {
                throw ValidationError("--agent needs a model: \(error)")
            }
        }
    }

    /// The agent's identity.
    var identity: AgentIdentity { AgentIdentity(name: agentName.trimmingCharacters(in: .whitespacesAndNewlines)) }

    /// The model client for `--agent` (nil without it). Shut it down with ``withModel(_:_:)``.
    func makeModel() throws -> ChatCompletionsClient? {
        guard agent else { return nil }
        return try ChatCompletionsClient(configuration: try ModelConfiguration.fromEnvironment(), logger: .init(label: "tessera.agent.model"))
    }
}

/// Runs `body`, then shuts `model` down, also when `body` throws.
func withModel<R>(_ model: ChatCompletionsClient?, _ body: () async throws -> R) async throws -> R {
    let result: R
    do {
        result = try await body()
    } catch {
        await model?.shutdown()
        throw error
    }
    await model?.shutdown()
    return result
}
