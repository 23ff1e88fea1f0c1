// Shepherd dashboard, the Traffic view (helpers and the admin API client are in app.js).
"use strict";

function minuteLabels(traffic) {
  return [`−${traffic.minutes} min`, `−${Math.round(traffic.minutes / 2)} min`, "now"];
}

async function renderTraffic() {
  const [traffic, routes] = await Promise.all([api("/admin/v1/traffic"), api("/admin/v1/routes")]);
  const targets = traffic.targets;
  const series = (pick) => targets.map((t) => ({ name: t.target, values: t.buckets.map(pick) }));
  const recent = (t) => t.buckets.slice(-5).reduce((sum, b) => sum + b.requests, 0) / 300;
  const breakerRows = routes.models.flatMap((model) => model.targets.map((t) => [
    `${t.provider}/${t.model}`, model.model, t.weight,
    t.breaker ? badge(t.breaker.state) : "–", t.breaker ? pct(Number(t.breaker.failure_rate)) : "–",
    t.breaker ? t.breaker.window_requests : "–", t.breaker && t.breaker.open_for_s != null ? `${t.breaker.open_for_s} s` : "–",
  ]));
  $("traffic-body").replaceChildren(
    h("div", { class: "card" }, table("Per target, last hour", ["Target", "Req/s (5 min)", "Requests", "Error rate", "p50", "p99", "Retries", "Fallbacks"],
      targets.map((t) => [t.target, recent(t).toFixed(2), t.requests, pct(t.error_rate, 2), ms(t.p50_ms), ms(t.p99_ms), t.retries, t.fallbacks]),
      [1, 2, 3, 4, 5, 6, 7])),
    h("div", { class: "grid2 wide" },
      h("div", { class: "card" }, Charts.line({ title: "Requests per second", series: series((b) => b.requests / 60), format: (v) => v.toFixed(v < 1 ? 2 : 1), xLabels: minuteLabels(traffic) })),
      h("div", { class: "card" }, Charts.line({ title: "Error rate (5xx)", series: series((b) => b.error_rate), format: (v) => `${(v * 100).toFixed(0)} %`, xLabels: minuteLabels(traffic) })),
      h("div", { class: "card" }, Charts.line({ title: "p50 latency", series: series((b) => b.p50_ms), format: (v) => `${v.toFixed(0)} ms`, xLabels: minuteLabels(traffic) })),
      h("div", { class: "card" }, Charts.line({ title: "p99 latency", series: series((b) => b.p99_ms), format: (v) => `${v.toFixed(0)} ms`, xLabels: minuteLabels(traffic) }))),
    h("div", { class: "card", id: "breakers" }, table("Circuit breakers (live)", ["Target", "Model", "Weight", "State", "Failure rate", "Window", "Open for"], breakerRows, [2, 4, 5, 6])));
}

RENDER.traffic = renderTraffic;
