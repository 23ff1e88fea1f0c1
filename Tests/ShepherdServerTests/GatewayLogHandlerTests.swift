import Foundation
import Logging
import Synchronization
import Testing

@testable import ShepherdServer

@Suite("Gateway log lines")
struct GatewayLogHandlerTests {
    @Test("metadata set on the logger, from the request's provider and on the call all appear, the call's winning")
    func mergesMetadata() async {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "shepherd") { label in
            GatewayLogHandler(label: label, metadataProvider: GatewayLogging.metadataProvider) { line in lines.withLock { $0.append(line) } }
        }
        logger[metadataKey: "hb.request.id"] = "7"
        logger[metadataKey: "shepherd.provider"] = "set-on-logger"
        RequestIDs.$current.withValue("req_abc") {
            logger.warning("upstream failed", metadata: ["shepherd.provider": "relay"])
        }
        logger.debug("below the level: not written")
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        let line = written.first ?? ""
        #expect(line.contains(" warning shepherd: hb.request.id=7 shepherd.provider=relay shepherd.request_id=req_abc "))
        #expect(line.hasSuffix("upstream failed\n"))
        #expect(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ "#, options: .regularExpression) != nil)
    }
}
