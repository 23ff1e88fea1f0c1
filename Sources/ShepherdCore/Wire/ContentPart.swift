/// One part of a multimodal message. Each kind validates what a provider would refuse
/// anyway, so a client learns of a bad part from a 400 before any upstream is paid.
public enum ContentPart: Codable, Sendable {
    case text(String)
    case imageURL(ImageURL)
    case inputAudio(InputAudio)
    case file(FileData)
    case videoURL(url: String)
    case refusal(String)

    public struct ImageURL: Codable, Sendable {
        public var url: String
        public var detail: String?
        public init(url: String, detail: String? = nil) {
            self.url = url
            self.detail = detail
        }
    }

    public struct InputAudio: Codable, Sendable {
        /// Base64 audio.
        public var data: String
        public var format: String
        public init(data: String, format: String) {
            self.data = data
            self.format = format
        }
    }

    public struct FileData: Codable, Sendable {
        /// A `data:` URI or base64 body (PDF, video).
        public var fileData: String?
        public var fileID: String?
        public var filename: String?

        public init(fileData: String? = nil, fileID: String? = nil, filename: String? = nil) {
            self.fileData = fileData
            self.fileID = fileID
            self.filename = filename
        }

        enum CodingKeys: String, CodingKey {
            case fileData = "file_data"
            case fileID = "file_id"
            case filename
        }
    }

    public var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case type, text, refusal, file
        case imageURL = "image_url"
        case inputAudio = "input_audio"
        case videoURL = "video_url"
    }

    struct URLHolder: Codable { var url: String }

    static let audioFormats: Set<String> = ["wav", "mp3", "flac", "ogg", "opus", "aac", "m4a", "pcm16", "webm"]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "text":
            self = .text(try container.decode(String.self, forKey: .text))
        case "image_url":
            // Clients send either {"url": …} or, in older SDKs, the URL string itself.
            let image: ImageURL
            if let url = try? container.decode(String.self, forKey: .imageURL) {
                image = ImageURL(url: url)
            } else {
                image = try container.decode(ImageURL.self, forKey: .imageURL)
            }
            try Self.checkMediaURL(image.url, key: .imageURL, in: container, dataPrefix: "data:image/")
            self = .imageURL(image)
        case "input_audio":
            let audio = try container.decode(InputAudio.self, forKey: .inputAudio)
            guard Self.audioFormats.contains(audio.format.lowercased()) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .inputAudio, in: container,
                    debugDescription: "unsupported audio format '\(audio.format)' (expected one of \(Self.audioFormats.sorted().joined(separator: ", ")))")
            }
            guard !audio.data.isEmpty, Base64Check.looksLikeBase64(audio.data) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .inputAudio, in: container, debugDescription: "input_audio.data must be base64-encoded audio")
            }
            self = .inputAudio(audio)
        case "file":
            let file = try container.decode(FileData.self, forKey: .file)
            guard file.fileData != nil || file.fileID != nil else {
                throw DecodingError.dataCorruptedError(
                    forKey: .file, in: container, debugDescription: "a file part needs 'file_data' or 'file_id'")
            }
            if let data = file.fileData, data.hasPrefix("data:"), DataURI(data) == nil {
                throw DecodingError.dataCorruptedError(
                    forKey: .file, in: container, debugDescription: "file_data is not a valid base64 data: URI")
            }
            self = .file(file)
        case "video_url":
            let holder = try container.decode(URLHolder.self, forKey: .videoURL)
            try Self.checkMediaURL(holder.url, key: .videoURL, in: container, dataPrefix: "data:video/")
            self = .videoURL(url: holder.url)
        case "refusal":
            self = .refusal(try container.decode(String.self, forKey: .refusal))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container,
                debugDescription: "unknown content part type '\(type)' (expected text, image_url, input_audio, file or video_url)")
        }
    }

    private static func checkMediaURL(
        _ url: String, key: CodingKeys, in container: KeyedDecodingContainer<CodingKeys>, dataPrefix: String
    ) throws {
        if acceptsMediaURL(url, dataPrefix: dataPrefix) { return }
        if url.hasPrefix("data:") {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container,
                debugDescription: "\(key.rawValue).url must be a base64 data URI starting with '\(dataPrefix)'")
        }
        throw DecodingError.dataCorruptedError(
            forKey: key, in: container, debugDescription: "\(key.rawValue).url must be an http(s) URL or a data: URI")
    }

    /// An http(s) URL, or a base64 `data:` URI whose type starts as `dataPrefix` says.
    static func acceptsMediaURL(_ url: String, dataPrefix: String) -> Bool {
        let lower = url.prefix(8).lowercased()
        if lower.hasPrefix("https://") || lower.hasPrefix("http://") { return true }
        guard url.hasPrefix("data:"), let uri = DataURI(url) else { return false }
        return uri.mimeType.hasPrefix(String(dataPrefix.dropFirst(5)))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .text(let text):
            try container.encode("text", forKey: .type)
            try container.encode(text, forKey: .text)
        case .imageURL(let image):
            try container.encode("image_url", forKey: .type)
            try container.encode(image, forKey: .imageURL)
        case .inputAudio(let audio):
            try container.encode("input_audio", forKey: .type)
            try container.encode(audio, forKey: .inputAudio)
        case .file(let file):
            try container.encode("file", forKey: .type)
            try container.encode(file, forKey: .file)
        case .videoURL(let url):
            try container.encode("video_url", forKey: .type)
            try container.encode(URLHolder(url: url), forKey: .videoURL)
        case .refusal(let text):
            try container.encode("refusal", forKey: .type)
            try container.encode(text, forKey: .refusal)
        }
    }
}

/// A `data:<mime>;base64,<payload>` URI.
public struct DataURI: Sendable {
    public var mimeType: String
    public var base64: Substring

    public init?(_ uri: String) {
        guard uri.hasPrefix("data:"), let comma = uri.firstIndex(of: ",") else { return nil }
        let header = uri[uri.index(uri.startIndex, offsetBy: 5)..<comma]
        guard header.hasSuffix(";base64") else { return nil }
        mimeType = String(header.dropLast(7))
        base64 = uri[uri.index(after: comma)...]
        guard mimeType.contains("/"), !base64.isEmpty, Base64Check.looksLikeBase64(base64) else { return nil }
    }
}

enum Base64Check {
    /// Checks the alphabet of at most the first 4 KiB: enough to catch text sent where
    /// base64 belongs without scanning megabytes of video on the request path.
    static func looksLikeBase64(_ text: some StringProtocol) -> Bool {
        for byte in text.utf8.prefix(4096) {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="),
                UInt8(ascii: "-"), UInt8(ascii: "_"), 0x0A, 0x0D:
                continue
            default: return false
            }
        }
        return true
    }
}
