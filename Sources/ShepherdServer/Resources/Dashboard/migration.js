// Shepherd dashboard, the Migration view (helpers and the admin API client are in app.js).
"use strict";

const EFFECTS = {
  promote: (r) => (r.step != null && r.step + 1 < r.steps.length
    ? `Promote ${r.model} to step ${r.step + 2} of ${r.steps.length}: ${r.to} gets ${share(r.steps[r.step + 1])} of the traffic and ${r.from} the rest.`
    : `Complete ${r.model}: ${r.to} gets all of the traffic and ${r.from} none.`),
  pause: (r) => `Pause ${r.model} at ${share(r.share)} to ${r.to}: the split stays as it is and the gates stop moving it until you resume.`,
  resume: (r) => `Resume ${r.model}: the gates judge the current step (${share(r.share)} to ${r.to}) again and promote or roll back by themselves.`,
  rollback: (r) => `Roll back ${r.model}: all of its traffic returns to ${r.from} at once and ${r.to} gets none. The rollout stays stopped until someone starts it again.`,
  start: (r) => `Start ${r.model} again from step 1: ${r.to} gets ${share(r.steps[0])} of the traffic and ${r.from} the rest.`,
};
const COMMAND_NAMES = { promote: "Promote", pause: "Pause", resume: "Resume", rollback: "Roll back", start: "Start again" };
const PAST = { promote: "Promoted", pause: "Paused", resume: "Resumed", rollback: "Rolled back", start: "Started" };

function commandsFor(phase) {
  switch (phase) {
    case "running": return ["promote", "pause", "rollback"];
    case "paused": return ["resume", "promote", "rollback"];
    case "completed": return ["rollback"];
    default: return ["start"];
  }
}

function confirmCommand(report, command) {
  const dialog = $("confirm");
  $("confirm-title").textContent = `${COMMAND_NAMES[command]} ${report.model}?`;
  $("confirm-text").textContent = EFFECTS[command](report);
  const ok = $("confirm-ok");
  ok.textContent = COMMAND_NAMES[command];
  ok.className = command === "rollback" ? "danger" : "primary";
  dialog.returnValue = "";
  dialog.onclose = async () => {
    if (dialog.returnValue !== "ok") return;
    try {
      await api(`/admin/v1/rollouts/${encodeURIComponent(report.model)}/${command}`, { method: "POST", body: { reason: "from the dashboard" } });
      setStatus(`${PAST[command]} ${report.model}.`);
    } catch (error) {
      if (error instanceof AuthError) return showLogin(`The gateway refused this admin key: ${error.message}`);
      setStatus(`${COMMAND_NAMES[command]} ${report.model} failed: ${error.message}`);
    }
    refresh();
  };
  dialog.showModal();
  $("confirm-cancel").focus();
}

function gateItem(check) {
  const value = check.value == null ? "n/a" : check.gate === "error_rate" ? pct(check.value, 2) : check.gate === "p99_ms" ? ms(check.value) : Number(check.value).toFixed(3);
  const limit = check.gate === "error_rate" ? pct(check.threshold, 2) : check.gate === "p99_ms" ? ms(check.threshold) : Number(check.threshold).toFixed(3);
  return [label(check.gate), value, limit, badge(check.outcome)];
}

function timeline(report) {
  const events = [...report.history].reverse();
  return h("ol", { class: "timeline", "aria-label": `Decisions of ${report.model}, newest first` }, events.map((event) => {
    const passed = event.evaluation ? event.evaluation.checks.every((check) => check.outcome !== "failed") : null;
    const steps = event.fromStep != null && event.toStep != null && event.fromStep !== event.toStep
      ? ` step ${event.fromStep + 1} → ${event.toStep + 1}` : event.toStep != null ? ` at step ${event.toStep + 1}` : "";
    return h("li", { class: passed == null ? null : passed ? "passed" : "failed" },
      h("time", { datetime: event.time }, stamp(event.time)),
      h("strong", {}, label(event.kind)), steps, `, share ${share(event.share)}`, ` (${event.cause})`,
      event.reason ? ` — ${event.reason}` : "",
      event.evaluation ? h("ul", {}, event.evaluation.checks.map((check) => {
        const [name, value, limit] = gateItem(check);
        return h("li", {}, `${name}: ${value} against ${limit} — `, badge(check.outcome));
      })) : null);
  }));
}

function shadowSummary(shadow) {
  if (!shadow || !shadow.count) return h("p", { class: "note" }, "No mirrored requests yet.");
  const latency = shadow.candidateLatency || {};
  return facts([
    ["Mirrored requests", shadow.count],
    ["Candidate errors", `${shadow.candidateErrors} (${pct(shadow.candidateErrors / shadow.count)})`],
    ["Answers alike (mean)", shadow.compared ? pct(shadow.similaritySum / shadow.compared, 0) : "–"],
    ["Same finish reason", shadow.compared ? pct(shadow.finishReasonMatches / shadow.compared, 0) : "–"],
    ["Candidate mean latency", latency.count ? ms(latency.sum_ms / latency.count) : "–"],
    ["Candidate cost vs primary", `${usd(shadow.candidateCost.usd)} vs ${usd(shadow.primaryCost.usd)}`],
  ]);
}

function rolloutCard(view) {
  const r = view.rollout;
  const hold = r.hold;
  const points = r.history.map((event) => ({
    time: new Date(event.time), value: event.share,
    failed: event.evaluation ? event.evaluation.checks.some((check) => check.outcome === "failed") : false,
  }));
  return h("article", { class: "card", "aria-labelledby": `rollout-${r.model}`, "data-model": r.model },
    h("h3", { id: `rollout-${r.model}` }, `${r.model} `, badge(r.phase)),
    facts([
      ["Moving", `${r.from} → ${r.to}`],
      ["Step", r.step != null ? `${r.step + 1} of ${r.steps.length} (${r.steps.map(share).join(" · ")})` : "–"],
      ["Share to new target", h("span", { "data-field": "share" }, share(r.share))],
      ["Hold", hold ? `${hold.requests}/${hold.requestsNeeded} requests · ${hold.minutes.toFixed(1)}/${hold.minutesNeeded} min` : "–"],
      ["Requests since start", h("span", { "data-field": "requests" }, r.requests)],
      ["Projected saving at 100 %", view.projectedMonthlySavingUSD != null ? `${usd(view.projectedMonthlySavingUSD)} / month` : "not enough priced traffic yet"],
    ]),
    r.reason ? h("p", { class: "note" }, `Reason: ${r.reason}`) : null,
    h("div", { class: "actions", role: "group", "aria-label": `Commands for ${r.model}` },
      commandsFor(r.phase).map((command) => h("button", {
        type: "button", class: command === "rollback" ? "danger" : null, "data-command": command, "data-focus-key": `${r.model}:${command}`,
        onclick: () => confirmCommand(r, command),
      }, COMMAND_NAMES[command]))),
    h("div", { class: "grid2" },
      h("div", {},
        Charts.steps({ title: "Share to the new target over time", points, until: new Date(), format: (v) => `${v} %` }),
        r.gates ? table(`Current step's gates (${r.gates.toAttempts} attempts on ${r.to})`, ["Gate", "Figure", "Threshold", "Result"], r.gates.checks.map(gateItem), [1, 2])
          : h("p", { class: "note" }, "No step is being judged.")),
      h("div", {}, h("h4", {}, "Timeline: step changes and gate evaluations"), timeline(r))),
    table("Both sides since the rollout began", ["Target", "Attempts", "Errors", "Error rate", "p99", "Cost"],
      [r.fromTotals, r.toTotals].map((side) => [side.target, side.attempts, side.errors, pct(side.errorRate, 2), ms(side.p99Ms), usd(side.cost.usd)]), [1, 2, 3, 4, 5]),
    view.shadow !== undefined ? [h("h4", {}, "Shadow comparison"), shadowSummary(view.shadow)] : null);
}

// A model that mirrors traffic without moving any.
function shadowCard(shadow) {
  return h("article", { class: "card", "aria-labelledby": `shadow-${shadow.model}`, "data-shadow": shadow.model },
    h("h3", { id: `shadow-${shadow.model}` }, `${shadow.model} `, badge("shadow only", "warn")),
    facts([["Mirrored to", shadow.to], ["Share mirrored", share(shadow.percent)]]),
    h("h4", {}, "Shadow comparison"), shadowSummary(shadow.summary));
}

async function renderMigration() {
  const [rollouts, shadows] = await Promise.all([api("/admin/v1/rollouts"), api("/admin/v1/shadows")]);
  const moving = new Set(rollouts.map((view) => view.rollout.model));
  const cards = [...rollouts.map(rolloutCard), ...shadows.data.filter((s) => !moving.has(s.model)).map(shadowCard)];
  $("migration-body").replaceChildren(...(cards.length
    ? cards
    : [h("p", { class: "card note" }, "No public model has a rollout or a shadow: add a rollout: or shadow: block to a model in the configuration.")]));
}

RENDER.migration = renderMigration;
