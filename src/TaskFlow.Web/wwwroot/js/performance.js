// The performance panel: Telemetry's stats API (GET /api/stats, docs/observability.md), refreshed while the panel is
// open and the tab is visible. The window and scope the person picked are remembered in this browser.
import { api, signedOut } from "./api.js";

(() => {
  const REFRESH_MS = 10_000;
  const SETTINGS_KEY = "taskflow.performance";
  const $ = (id) => document.getElementById(id);
  const ui = {
    panel: $("performance"), window: $("perf-window"), scope: $("perf-scope"),
    latency: $("perf-latency"), p95: $("perf-p95"), ttft: $("perf-ttft"), total: $("perf-total"),
    success: $("perf-success"), throughput: $("perf-throughput"), tokens: $("perf-tokens"),
    timeline: $("perf-timeline"), models: $("perf-models"), recent: $("perf-recent"), note: $("perf-note"),
  };
  if (!ui.panel) return;

  const { t, number } = i18n;
  const fixed = (value, digits) => number(value, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const ms = (value) => (value == null ? "–" : value >= 10_000 ? t("units.seconds", { value: fixed(value / 1000, 1) }) : t("units.ms", { value: number(Math.round(value)) }));
  const percent = (rate) => (rate == null ? "–" : t("units.percent", { value: number(Math.round(rate * 1000) / 10) }));
  const time = (value) => new Date(value).toLocaleTimeString(i18n.locale, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  // Known call statuses in the page's language; anything newer as Telemetry says it.
  const status = (value) => (i18n.has(`jobStatus.${value}`) ? t(`jobStatus.${value}`) : value);
  let loading = false;

  function restoreSettings() {
    try {
      const saved = JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? "{}");
      if ([...ui.window.options].some((o) => o.value === saved.window)) ui.window.value = saved.window;
      if ([...ui.scope.options].some((o) => o.value === saved.scope)) ui.scope.value = saved.scope;
    } catch {
      // A damaged setting falls back to the defaults.
    }
  }

  function saveSettings() {
    localStorage.setItem(SETTINGS_KEY, JSON.stringify({ window: ui.window.value, scope: ui.scope.value }));
  }

  async function load() {
    if (!ui.panel.open || document.hidden || loading) return;
    loading = true;
    try {
      const query = new URLSearchParams({ windowMinutes: ui.window.value, scope: ui.scope.value });
      const response = await api(`/api/stats?${query}`);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      render(await response.json());
      ui.note.textContent = t("perf.updated", { time: time(new Date()) });
      ui.note.classList.remove("error");
    } catch (error) {
      if (signedOut(error)) return;
      ui.note.textContent = t("perf.loadFailed", { seconds: number(REFRESH_MS / 1000) });
      ui.note.classList.add("error");
    } finally {
      loading = false;
    }
  }

  function render(stats) {
    ui.latency.textContent = ms(stats.averageLatencyMs);
    ui.p95.textContent = ms(stats.p95LatencyMs);
    ui.ttft.textContent = ms(stats.averageTimeToFirstTokenMs);
    ui.total.textContent = number(stats.totalRequests);
    ui.success.textContent = percent(stats.successRate);
    ui.throughput.textContent = t("perf.perMinute", { value: fixed(stats.throughputPerMinute, 2) });
    ui.tokens.textContent = `${number(stats.inputTokens)} / ${number(stats.outputTokens)}`;
    renderTimeline(stats.timeline);
    ui.models.replaceChildren(...stats.perModel.map((model) => row([
      model.model, number(model.totalRequests), percent(model.successRate), ms(model.averageLatencyMs),
    ])));
    if (stats.perModel.length === 0) ui.models.replaceChildren(row([t("perf.noCalls")], 4));
    ui.recent.replaceChildren(...stats.recent.map(recentItem));
  }

  function row(cells, span) {
    const tr = document.createElement("tr");
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      if (span) td.colSpan = span;
      tr.append(td);
    }
    return tr;
  }

  // Bars of requests per slice; failures are the red part of each bar.
  function renderTimeline(buckets) {
    const ns = "http://www.w3.org/2000/svg";
    const peak = Math.max(1, ...buckets.map((b) => b.totalRequests));
    const width = 100 / Math.max(1, buckets.length);
    const bars = [];
    buckets.forEach((bucket, i) => {
      if (bucket.totalRequests === 0) return;
      const height = (bucket.totalRequests / peak) * 24;
      const failedHeight = height * (1 - (bucket.successRate ?? 1));
      for (const [y, h, cls] of [[24 - height, height - failedHeight, "ok"], [24 - failedHeight, failedHeight, "failed"]]) {
        if (h <= 0) continue;
        const rect = document.createElementNS(ns, "rect");
        rect.setAttribute("x", String(i * width));
        rect.setAttribute("y", String(y));
        rect.setAttribute("width", String(Math.max(width * 0.8, 0.5)));
        rect.setAttribute("height", String(h));
        rect.setAttribute("class", cls);
        bars.push(rect);
      }
    });
    ui.timeline.replaceChildren(...bars);
    const total = buckets.reduce((sum, b) => sum + b.totalRequests, 0);
    ui.timeline.setAttribute("aria-label", t("perf.timeline", { total: number(total), slices: number(buckets.length) }));
  }

  function recentItem(call) {
    const item = document.createElement("li");
    item.className = `call ${call.status}`;
    const parts = [t("perf.call", { time: time(call.createdAt), model: call.model, status: status(call.status) })];
    if (call.attempt > 1) parts.push(t("perf.attempt", { attempt: number(call.attempt) }));
    parts.push(ms(call.latencyMs));
    if (call.errorCode) parts.push(call.errorCode);
    item.textContent = parts.join(" · ");
    // The prompt as Telemetry stored it: personal data already replaced by [EMAIL], [CARD]…
    item.title = call.inputPreview;
    return item;
  }

  restoreSettings();
  ui.panel.addEventListener("toggle", load);
  for (const select of [ui.window, ui.scope]) {
    select.addEventListener("change", () => { saveSettings(); load(); });
  }
  document.addEventListener("visibilitychange", load);
  setInterval(load, REFRESH_MS);
})();
