import ShepherdCore
import ShepherdRouting

/// `GET /admin/v1/routes`: each public model's targets, weights and breaker states.
struct RoutesReport {
    let config: GatewayConfig
    let board: ResilienceBoard

    func json() -> [UInt8] {
        var writer = JSONWriter(reservingCapacity: 1024)
        writer.beginObject()
        writer.key("models")
        writer.beginArray()
        for model in config.models {
            writer.beginObject()
            writer.key("model"); writer.string(model.name)
            writer.key("sticky"); writer.string(model.sticky.rawValue)
            writer.key("fallbacks"); writer.beginArray(); model.fallbacks.forEach { writer.string($0) }; writer.endArray()
            writer.key("retry")
            writer.beginObject()
            writer.key("attempts"); writer.int(model.retry.attempts)
            writer.key("base_ms"); writer.int(model.retry.baseMs)
            writer.key("max_ms"); writer.int(model.retry.maxMs)
            writer.endObject()
            writer.key("targets")
            writer.beginArray()
            for target in model.targets {
                writer.beginObject()
                writer.key("provider"); writer.string(target.provider)
                writer.key("model"); writer.string(target.model)
                writer.key("weight"); writer.int(target.weight)
                if let breaker = board.breakerSnapshot(target.ref) {
                    writer.key("breaker")
                    writer.beginObject()
                    writer.key("state"); writer.string(breaker.state)
                    writer.key("failure_rate"); writer.number(String(format: "%.4f", breaker.failureRate))
                    writer.key("window_requests"); writer.int(breaker.windowCount)
                    writer.key("open_for_s"); if let seconds = breaker.openForSeconds { writer.number(String(seconds)) } else { writer.null() }
                    writer.endObject()
                }
                writer.endObject()
            }
            writer.endArray()
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.bytes
    }
}

import Foundation
