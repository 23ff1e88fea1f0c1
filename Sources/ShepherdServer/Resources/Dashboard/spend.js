// Shepherd dashboard, the Spend view (helpers and the admin API client are in app.js).
"use strict";

function maskedKey(keys, id) {
  if (!id || id === "-") return "(no key)";
  const key = keys.find((k) => k.id === id);
  return key ? `${key.name} (${key.prefix})` : id;
}

async function renderSpend() {
  const [byModel, byProvider, byKey, byDay, allTime, keys, traffic, rollouts] = await Promise.all([
    api("/admin/v1/usage?since=30d&group_by=model"),
    api("/admin/v1/usage?since=30d&group_by=provider"),
    api("/admin/v1/usage?since=30d&group_by=key"),
    api("/admin/v1/usage?since=30d&group_by=day,model"),
    api("/admin/v1/usage?group_by=key"),
    api("/admin/v1/keys"),
    api("/admin/v1/traffic"),
    api("/admin/v1/rollouts"),
  ]);
  const usageRows = (report, pick) => report.rows.map((row) => [pick(row), row.requests, row.input_tokens + row.output_tokens, usd(row.cost_usd)]);

  const days = [...new Set(byDay.rows.map((row) => row.day))].sort();
  const models = [...new Set(byDay.rows.map((row) => row.model))].sort();
  const daily = models.map((model) => ({
    name: model,
    values: days.map((day) => Number((byDay.rows.find((row) => row.day === day && row.model === model) || {}).cost_usd || 0)),
  }));
  const dayLabels = days.length ? [days[0], days[Math.floor(days.length / 2)], days[days.length - 1]] : ["", "", ""];

  const savings = rollouts.map((view) => {
    const r = view.rollout;
    const perRequest = Number(view.savingPerRequestUSD || 0);
    return [r.model, `${r.from} → ${r.to}`, r.toTotals.attempts, usd(r.toTotals.cost.usd),
      view.savingPerRequestUSD != null ? usd(perRequest * r.toTotals.attempts) : "–",
      view.projectedMonthlySavingUSD != null ? usd(view.projectedMonthlySavingUSD) : "–"];
  });

  const spentByKey = Object.fromEntries(allTime.rows.map((row) => [row.key, Number(row.cost_usd)]));
  const budgetRows = keys.data.filter((key) => !key.revoked).map((key) => {
    const spent = spentByKey[key.id] || 0;
    const budget = key.budget_usd == null ? null : Number(key.budget_usd);
    const used = budget ? spent / budget : null;
    return [`${key.name} (${key.prefix})`, usd(spent), budget == null ? "no budget" : usd(budget),
      used == null ? "–" : h("div", { class: "used" },
        h("div", { class: `meter${used > 0.8 ? " high" : ""}`, "aria-hidden": "true" }, h("span", { "data-width": Math.min(100, used * 100).toFixed(1) })),
        pct(used, 0))];
  });

  $("spend-body").replaceChildren(
    facts([["Last 30 days", usd(byModel.total.cost_usd)], ["Requests", byModel.total.requests], ["Last hour", usd(traffic.targets.reduce((s, t) => s + Number(t.cost_usd), 0))]]),
    h("div", { class: "grid2" },
      h("div", { class: "card" }, Charts.line({
        title: "Cost per minute by target, last hour (USD)",
        series: traffic.targets.map((t) => ({ name: t.target, values: t.buckets.map((b) => Number(b.cost_usd)) })),
        format: (v) => (v === 0 ? "$0" : `$${v.toPrecision(2)}`), xLabels: minuteLabels(traffic),
      })),
      h("div", { class: "card" }, Charts.line({ title: "Cost per day by model, last 30 days (USD)", series: daily, format: (v) => (v === 0 ? "$0" : `$${v.toPrecision(2)}`), xLabels: dayLabels }))),
    h("div", { class: "card" }, table("Savings against the baseline (the rollout's original target)",
      ["Model", "Move", "Requests on new target", "Their cost", "Saved vs baseline", "Projected at 100 % / month"], savings, [2, 3, 4, 5])),
    h("div", { class: "grid2" },
      h("div", { class: "card" }, table("By model, last 30 days", ["Model", "Requests", "Tokens", "Cost"], usageRows(byModel, (row) => row.model || "(none)"), [1, 2, 3])),
      h("div", { class: "card" }, table("By provider, last 30 days", ["Provider", "Requests", "Tokens", "Cost"], usageRows(byProvider, (row) => row.provider || "(no target)"), [1, 2, 3]))),
    h("div", { class: "grid2" },
      h("div", { class: "card" }, table("By key, last 30 days", ["Key", "Requests", "Tokens", "Cost"], usageRows(byKey, (row) => maskedKey(keys.data, row.key)), [1, 2, 3])),
      h("div", { class: "card" }, table("Budget use per key (all time)", ["Key", "Spent", "Budget", "Used"], budgetRows, [1, 2]))));
  // Widths set from script, not inline style attributes, so the page's CSP needs no 'unsafe-inline'.
  document.querySelectorAll(".meter span[data-width]").forEach((bar) => { bar.style.width = `${bar.dataset.width}%`; });
}

RENDER.spend = renderSpend;
