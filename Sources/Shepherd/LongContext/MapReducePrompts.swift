import ShepherdCore

/// The requests of a map-reduce run. Their wording is part of the checkpoint key
/// (``version``), so changing it never reuses results written for other prompts.
public struct MapReducePrompts: Sendable, Hashable {
    /// Bump when any wording below changes.
    public static let version = "1"
    /// Put between the partial results of one reduce call.
    static let separator = "\n\n---\n\n"

    public let settings: MapReduceSettings

    public init(settings: MapReduceSettings) {
        self.settings = settings
    }

    /// One chunk, asked for what in it bears on the task.
    public func map(chunk: String, index: Int, of total: Int) -> ChatCompletionRequest {
        request(
            system: """
                You are reading part \(index + 1) of \(total) of a long document, one part at a time. \
                Task: \(settings.task)
                Write down everything in this part that bears on the task — facts, figures, names, \
                quotations with where they occur — concisely. If nothing does, answer exactly: \
                Nothing relevant.
                """,
            user: chunk)
    }

    /// The whole document in one call, when it fits a single chunk.
    public func single(document: String) -> ChatCompletionRequest {
        request(system: "Task: \(settings.task)\nAnswer the task from the document the user sends.", user: document)
    }

    /// Notes from several parts merged: into notes again, or into the final answer.
    public func reduce(partials: [String], final: Bool) -> ChatCompletionRequest {
        let instruction = final
            ? "Write the final answer to the task from these notes, which together cover the whole document."
            : "Merge these notes into one set of notes: keep every fact that bears on the task, drop repeats."
        return request(
            system: """
                The user sends notes taken from consecutive parts of a long document, separated by ---. \
                Task: \(settings.task)
                \(instruction)
                """,
            user: partials.joined(separator: Self.separator))
    }

    private func request(system: String, user: String) -> ChatCompletionRequest {
        var request = ChatCompletionRequest(model: settings.model, messages: [.system(system), .user(user)])
        request.maxTokens = settings.maxOutputTokens
        request.temperature = settings.temperature
        return request
    }
}
