import ShepherdTokenizer
import Testing

@Suite("model to encoding")
struct ModelMappingTests {
    @Test(arguments: [
        "gpt-4o", "gpt-4o-mini", "gpt-4o-2024-08-06", "chatgpt-4o-latest", "gpt-4.1", "gpt-4.1-nano",
        "gpt-4.5-preview", "o1", "o1-mini", "o3", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-5.1",
        "openai/gpt-4o", "ft:gpt-4o-mini:acme::abc123", "GPT-4o",
    ])
    func o200kModels(model: String) {
        #expect(Tokenizer.forModel(model) == .o200k_base)
    }

    @Test(arguments: [
        "gpt-4", "gpt-4-turbo", "gpt-4-0613", "gpt-4-32k", "gpt-3.5-turbo", "gpt-3.5-turbo-16k", "gpt-35-turbo",
        "text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002", "ft:gpt-3.5-turbo:org::x",
    ])
    func cl100kModels(model: String) {
        #expect(Tokenizer.forModel(model) == .cl100k_base)
    }

    @Test(arguments: ["", "claude-sonnet-4", "gemini-2.5-flash", "gpt-4x", "o2", "text-davinci-003", "llama-3-70b"])
    func unknownModels(model: String) {
        #expect(Tokenizer.forModel(model) == nil)
    }
}
