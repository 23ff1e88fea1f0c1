// Shepherd dashboard: asks for the admin key once (kept in sessionStorage), then polls the
// admin API for the visible view and redraws it in place. Every figure on the page comes
// from a documented /admin/v1 endpoint, so everything shown here can be scripted too.
"use strict";

const KEY_STORE = "shepherd.adminKey";
const params = new URLSearchParams(location.search);
const REFRESH_MS = Math.max(1, Number(params.get("refresh")) || 5) * 1000;
const VIEWS = ["migration", "traffic", "spend"];

const $ = (id) => document.getElementById(id);
let timer = null;
let busy = false;

// ---------- small helpers ----------

function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const usd = (value) => {
  const number = Number(value || 0);
  if (number === 0) return "$0";
  const digits = Math.abs(number) >= 1 ? 2 : Math.abs(number) >= 0.01 ? 4 : 6;
  return (number < 0 ? "−$" : "$") + Math.abs(number).toFixed(digits);
};
// Units stay on the line of their number (no-break space).
const pct = (value, digits = 1) => (value == null ? "–" : `${(value * 100).toFixed(digits)}\u00a0%`);
const ms = (value) => (value == null ? "–" : `${Number(value).toFixed(value < 10 ? 1 : 0)}\u00a0ms`);
const share = (value) => `${Number.isInteger(value) ? value : Number(value).toFixed(1)}\u00a0%`;
const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const stamp = (iso) => new Date(iso).toLocaleString([], { dateStyle: "short", timeStyle: "medium" });
const label = (text) => String(text).replace(/_/g, " ");

function table(caption, headers, rows, numeric = []) {
  return h("div", { class: "table-wrap" },
    h("table", {},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, headers.map((name, i) => h("th", { scope: "col", class: numeric.includes(i) ? "num" : null }, name)))),
      h("tbody", {}, rows.length
        ? rows.map((cells) => h("tr", {}, cells.map((cell, i) => (i === 0
          ? h("th", { scope: "row" }, cell)
          : h("td", { class: numeric.includes(i) ? "num" : null }, cell)))))
        : h("tr", {}, h("td", { colspan: headers.length, class: "note" }, "Nothing yet.")))));
}

function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.map(([name, value]) => h("div", {}, h("dt", {}, name), h("dd", {}, value))));
}

function badge(text, kind) {
  return h("span", { class: `badge ${kind || text}` }, label(text));
}

function setStatus(text) {
  $("status").textContent = text;
}

// ---------- the admin API ----------

class AuthError extends Error {}

async function api(path, options = {}) {
  const key = sessionStorage.getItem(KEY_STORE);
  const response = await fetch(path, {
    method: options.method || "GET",
    headers: Object.assign({ Authorization: `Bearer ${key || ""}` }, options.body ? { "Content-Type": "application/json" } : {}),
    body: options.body ? JSON.stringify(options.body) : undefined,
    cache: "no-store",
    credentials: "omit",
  });
  let data = null;
  try { data = await response.json(); } catch (_) { data = null; }
  if (response.status === 401) {
    throw new AuthError((data && data.error && data.error.message) || "The admin key was refused.");
  }
  if (!response.ok) {
    throw new Error((data && data.error && data.error.message) || `${path} answered ${response.status}`);
  }
  return data;
}

// ---------- key, views, polling ----------

function showLogin(message) {
  sessionStorage.removeItem(KEY_STORE);
  clearTimeout(timer);
  $("login").hidden = false;
  $("views").hidden = true;
  $("forget").hidden = true;
  VIEWS.forEach((view) => { $(view).hidden = true; });
  const error = $("login-error");
  error.hidden = !message;
  error.textContent = message || "";
  setStatus("");
  $("admin-key").focus();
}

function currentView() {
  const name = location.hash.slice(1);
  return VIEWS.includes(name) ? name : "migration";
}

function showView() {
  const view = currentView();
  VIEWS.forEach((name) => { $(name).hidden = name !== view; });
  document.querySelectorAll("#views a").forEach((link) => {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  });
  document.title = `${view[0].toUpperCase()}${view.slice(1)} · Shepherd dashboard`;
}

// Each view script adds its drawing function here.
const RENDER = {};

async function refresh() {
  if (busy) return;
  busy = true;
  clearTimeout(timer);
  const view = currentView();
  // Redrawing replaces the view's nodes: keep keyboard focus on the same control.
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.focusKey : null;
  try {
    await RENDER[view]();
    if (focused) {
      const again = document.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
    setStatus(`Updated ${new Date().toLocaleTimeString()} · every ${REFRESH_MS / 1000} s`);
  } catch (error) {
    if (error instanceof AuthError) {
      busy = false;
      showLogin(`The gateway refused this admin key: ${error.message} Check server.admin_key in the gateway's configuration and enter it again.`);
      return;
    }
    setStatus(`Could not refresh: ${error.message}`);
  }
  busy = false;
  timer = setTimeout(refresh, REFRESH_MS);
}

function openDashboard() {
  $("login").hidden = true;
  $("views").hidden = false;
  $("forget").hidden = false;
  showView();
  refresh();
}

async function login(event) {
  event.preventDefault();
  const input = $("admin-key");
  const key = input.value.trim();
  if (!key) return;
  sessionStorage.setItem(KEY_STORE, key);
  input.value = "";
  try {
    await api("/admin/v1/routes");
  } catch (error) {
    if (error instanceof AuthError && /disabled/i.test(error.message)) {
      showLogin(`This gateway has no admin API: ${error.message}`);
    } else if (error instanceof AuthError) {
      showLogin(`Wrong admin key: the gateway answered “${error.message}” Check server.admin_key in the gateway's configuration.`);
    } else {
      showLogin(`Could not reach the admin API: ${error.message}`);
    }
    return;
  }
  openDashboard();
}

// ---------- start ----------

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", login);
  $("forget").addEventListener("click", () => showLogin(""));
  window.addEventListener("hashchange", () => {
    if (!sessionStorage.getItem(KEY_STORE)) return;
    showView();
    refresh();
  });
  if (sessionStorage.getItem(KEY_STORE)) openDashboard();
  else showLogin("");
});
