// Small SVG charts drawn by hand: a line chart for figures over time and a step chart for a
// rollout's share. No library: the page must work offline inside private networks.
"use strict";

const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";
  // Colour-blind-safe palette (Okabe–Ito), dark enough on white for lines and legends.
  const PALETTE = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#56b4e9", "#6b4c9a", "#444444"];
  const W = 640, H = 200, M = { top: 12, right: 12, bottom: 26, left: 56 };

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    if (parent) parent.appendChild(node);
    return node;
  }

  function niceMax(value) {
    if (!(value > 0)) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
    return 10 * power;
  }

  function frame(label, maxY, format, xLabels) {
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label, class: "chart" });
    const plotW = W - M.left - M.right, plotH = H - M.top - M.bottom;
    for (const fraction of [0, 0.5, 1]) {
      const y = M.top + plotH * (1 - fraction);
      el("line", { x1: M.left, x2: W - M.right, y1: y, y2: y, class: "grid" }, svg);
      const text = el("text", { x: M.left - 6, y: y + 4, "text-anchor": "end", class: "tick" }, svg);
      text.textContent = format(maxY * fraction);
    }
    const anchors = ["start", "middle", "end"];
    xLabels.forEach((name, index) => {
      const text = el("text", { x: M.left + (plotW * index) / (xLabels.length - 1), y: H - 6, "text-anchor": anchors[index] || "middle", class: "tick" }, svg);
      text.textContent = name;
    });
    return { svg, plotW, plotH };
  }

  function legend(series) {
    const list = document.createElement("ul");
    list.className = "legend";
    series.forEach((entry, index) => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = PALETTE[index % PALETTE.length];
      item.append(swatch, document.createTextNode(entry.name));
      list.appendChild(item);
    });
    return list;
  }

  // series: [{name, values: [number|null]}], all of the same length (one per time bucket).
  function titled(title) {
    const figure = document.createElement("figure");
    figure.className = "chart-box";
    const caption = document.createElement("figcaption");
    caption.textContent = title;
    figure.appendChild(caption);
    return figure;
  }

  function line({ title, series, format, xLabels }) {
    const figure = titled(title);
    const values = series.flatMap((entry) => entry.values.filter((value) => value != null));
    const maxY = niceMax(Math.max(0, ...values));
    const { svg, plotW, plotH } = frame(`${title}: ${series.map((s) => s.name).join(", ") || "no data"}`, maxY, format, xLabels);
    series.forEach((entry, index) => {
      const count = entry.values.length;
      const points = [];
      entry.values.forEach((value, i) => {
        if (value == null) return;
        const x = M.left + (count > 1 ? (plotW * i) / (count - 1) : plotW);
        const y = M.top + plotH * (1 - value / maxY);
        points.push(`${x.toFixed(1)},${y.toFixed(1)}`);
      });
      const colour = PALETTE[index % PALETTE.length];
      if (points.length === 1) {
        const [x, y] = points[0].split(",");
        el("circle", { cx: x, cy: y, r: 3, fill: colour }, svg);
      } else if (points.length > 1) {
        el("polyline", { points: points.join(" "), fill: "none", stroke: colour, "stroke-width": 2, "vector-effect": "non-scaling-stroke" }, svg);
      }
    });
    if (!values.length) {
      const text = el("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "empty" }, svg);
      text.textContent = "no traffic in this window";
    }
    figure.append(svg, legend(series));
    return figure;
  }

  // points: [{time: Date, value}] of a value that holds until the next point, up to `until`.
  function steps({ title, points, until, format }) {
    const figure = titled(title);
    const start = points.length ? points[0].time.getTime() : until.getTime() - 60000;
    const end = Math.max(until.getTime(), start + 1000);
    // Seconds matter when the whole rollout so far fits in a few minutes.
    const precise = end - start < 10 * 60 * 1000;
    const clock = (ms) => new Date(ms).toLocaleTimeString([], precise ? { hour: "2-digit", minute: "2-digit", second: "2-digit" } : { hour: "2-digit", minute: "2-digit" });
    const { svg, plotW, plotH } = frame(title, 100, format, [clock(start), clock((start + end) / 2), clock(end)]);
    const x = (ms) => M.left + (plotW * (ms - start)) / (end - start);
    const y = (value) => M.top + plotH * (1 - value / 100);
    let path = "";
    points.forEach((point, index) => {
      const next = index + 1 < points.length ? points[index + 1].time.getTime() : end;
      path += `${index === 0 ? "M" : "L"}${x(point.time.getTime()).toFixed(1)},${y(point.value).toFixed(1)} `;
      path += `L${x(next).toFixed(1)},${y(point.value).toFixed(1)} `;
    });
    if (path) el("path", { d: path, fill: "none", stroke: PALETTE[0], "stroke-width": 2, "vector-effect": "non-scaling-stroke" }, svg);
    points.forEach((point) => {
      el("circle", { cx: x(point.time.getTime()).toFixed(1), cy: y(point.value).toFixed(1), r: 3.5, fill: point.failed ? PALETTE[1] : PALETTE[0] }, svg);
    });
    figure.appendChild(svg);
    return figure;
  }

  return { line, steps, palette: PALETTE };
})();
