/// MIME types for media the translators pass by reference or by format name.
enum MediaTypes {
    /// The type a URL's file extension suggests. Gemini's `fileData` needs a `mimeType`
    /// and OpenAI's `image_url`/`video_url` carry none, so the extension is the best
    /// information at hand; `fallback` covers URLs without one.
    static func guess(fromURL url: String, fallback: String) -> String {
        var path = Substring(url)
        if let end = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<end] }
        let name = path.split(separator: "/").last ?? ""
        guard let dot = name.lastIndex(of: ".") else { return fallback }
        return byExtension[name[name.index(after: dot)...].lowercased()] ?? fallback
    }

    private static let byExtension: [String: String] = [
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp",
        "gif": "image/gif", "heic": "image/heic", "heif": "image/heif",
        "mp4": "video/mp4", "mpeg": "video/mpeg", "mpg": "video/mpeg", "mov": "video/mov",
        "avi": "video/avi", "flv": "video/x-flv", "webm": "video/webm", "wmv": "video/wmv", "3gp": "video/3gpp",
        "mp3": "audio/mp3", "wav": "audio/wav", "flac": "audio/flac", "ogg": "audio/ogg", "aac": "audio/aac",
        "m4a": "audio/mp4", "aiff": "audio/aiff",
        "pdf": "application/pdf", "txt": "text/plain", "md": "text/markdown", "html": "text/html",
        "csv": "text/csv", "json": "application/json",
    ]

    /// OpenAI `input_audio.format` → MIME type.
    static func audio(format: String) -> String {
        switch format.lowercased() {
        case "mp3": "audio/mp3"
        case "wav": "audio/wav"
        case "flac": "audio/flac"
        case "ogg", "opus": "audio/ogg"
        case "aac": "audio/aac"
        case "m4a": "audio/mp4"
        case "webm": "audio/webm"
        case "pcm16": "audio/pcm"
        case let other: "audio/\(other)"
        }
    }

    /// MIME type → OpenAI `input_audio.format`, when OpenAI has a name for it.
    static func audioFormat(mimeType: String) -> String? {
        switch mimeType.lowercased() {
        case "audio/mp3", "audio/mpeg": "mp3"
        case "audio/wav", "audio/x-wav", "audio/wave": "wav"
        case "audio/flac", "audio/x-flac": "flac"
        case "audio/ogg": "ogg"
        case "audio/aac": "aac"
        case "audio/mp4", "audio/m4a", "audio/x-m4a": "m4a"
        case "audio/webm": "webm"
        case "audio/pcm", "audio/l16": "pcm16"
        default: nil
        }
    }

    /// A file extension for a MIME type, for the `filename` of a translated file part.
    static func fileExtension(for mimeType: String) -> String {
        byExtension.filter { $0.value == mimeType.lowercased() }.keys.sorted().first ?? "bin"
    }
}
