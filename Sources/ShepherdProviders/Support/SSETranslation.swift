import NIOCore

/// Turns the events of one SSE stream into the bytes of another, keeping what it needs
/// between events (open blocks, tool-call indexes, usage seen so far).
protocol SSETranslator: Sendable {
    /// The bytes to send for one event (often none); throws to end the stream with an error.
    mutating func translate(_ event: SSEEvent) throws -> [ByteBuffer]
    /// The bytes that close the translated stream once the source has ended cleanly.
    mutating func finish() throws -> [ByteBuffer]
    /// Whether the translated stream is complete, so that the rest of the source is ignored.
    var isFinished: Bool { get }
}

enum SSETranslation {
    /// Pumps `source` through `translator` on a task that ends when the consumer stops
    /// listening. A broken source or a refused event ends the stream with `mapError`'s
    /// error, or, when `recover` is given, with the bytes it writes (an in-band error event
    /// for clients that expect one).
    static func run<Source: AsyncSequence & Sendable, T: SSETranslator>(
        _ source: Source, with translator: T,
        recover: (@Sendable (any Error) -> [ByteBuffer])? = nil,
        mapError: @escaping @Sendable (any Error) -> any Error = { $0 }
    ) -> SSEByteStream where Source.Element == ByteBuffer {
        let (stream, continuation) = SSEByteStream.makeStream(bufferingPolicy: .unbounded)
        let task = Task(executorPreference: PreferredExecutor.current) {
            var translator = translator
            var parser = SSEEventParser()
            do {
                for try await chunk in source {
                    for event in parser.feed(chunk) {
                        for bytes in try translator.translate(event) { continuation.yield(bytes) }
                    }
                    if translator.isFinished { break }
                }
                if !translator.isFinished, let last = parser.finish() {
                    for bytes in try translator.translate(last) { continuation.yield(bytes) }
                }
                if !translator.isFinished {
                    for bytes in try translator.finish() { continuation.yield(bytes) }
                }
                continuation.finish()
            } catch is CancellationError {
                continuation.finish(throwing: CancellationError())
            } catch {
                if let recover {
                    for bytes in recover(error) { continuation.yield(bytes) }
                    continuation.finish()
                } else {
                    continuation.finish(throwing: mapError(error))
                }
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}

/// The source stream closed before its protocol's end marker.
struct StreamEndedEarly: Error, CustomStringConvertible {
    var detail: String
    var description: String { detail }
}
