// The sidebar: the person's conversations (open, rename, export, delete), their recent jobs and the queue's figures.
// On narrow screens it slides in over the conversation.

import { api, signedOut } from "../api.js";
import { formatTime, priorityName, relativeTime, secondsText, svgIcon } from "./format.js";
import { setStatus, ui } from "./page.js";

const { t, tn } = i18n;

// Known values in the page's language; anything newer as the server says it.
const jobStatus = (status) => (i18n.has(`jobStatus.${status}`) ? t(`jobStatus.${status}`) : status);

// currentId(): the conversation on the page. open(id, options): opens another (null: a new chat). renamed(title): the
// conversation on the page was renamed.
export function createSidebar({ currentId, open, renamed }) {
  let conversations = [];

  async function load() {
    try {
      ({ conversations } = await (await api("/api/conversations")).json());
      render();
    } catch {
      // The sidebar is a convenience; the chat works without it.
    }
  }

  function render() {
    const focusedId = document.activeElement?.closest?.(".conversations li")?.dataset.id;
    const focusedAction = ["rename", "export", "delete"].find((name) => document.activeElement?.classList.contains(name));
    ui.conversations.replaceChildren(...conversations.map(item));
    ui.conversationsEmpty.hidden = conversations.length > 0;
    if (focusedId) ui.conversations.querySelector(`li[data-id="${CSS.escape(focusedId)}"] ${focusedAction ? `.${focusedAction}` : ".open"}`)?.focus();
  }

  function item(c) {
    const li = document.createElement("li");
    li.dataset.id = c.id;
    const active = c.id === currentId();
    li.className = active ? "active" : "";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "open";
    if (active) button.setAttribute("aria-current", "page");
    const title = document.createElement("span");
    title.className = "title";
    title.textContent = c.title || t("title.untitled");
    const preview = document.createElement("span");
    preview.className = "preview";
    preview.textContent = c.lastMessagePreview ?? "";
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.dataset.updatedAt = c.updatedAt;
    meta.dataset.count = c.messageCount;
    meta.textContent = metaText(meta);
    button.append(title, preview, meta);
    button.addEventListener("click", () => {
      if (c.id !== currentId()) open(c.id, { push: true });
      else { close(); ui.input.focus(); }
    });
    const named = { title: c.title || t("title.untitled") };
    const rename = action("button", "rename", t("conversation.rename"), t("conversation.renameLabel", named),
      ["M4 20h4L19 9l-4-4L4 16v4z", "M13.5 6.5l4 4"]);
    rename.addEventListener("click", () => startRename(li, c));
    const download = action("a", "export", t("conversation.export"), t("conversation.exportLabel", named),
      ["M12 4v11", "M7 10l5 5 5-5", "M5 20h14"]);
    download.href = `/api/conversations/${encodeURIComponent(c.id)}/export`;
    const erase = action("button", "delete", t("conversation.delete"), t("conversation.deleteLabel", named),
      ["M5 7h14", "M10 11v6M14 11v6", "M6.5 7l.8 11.2A2 2 0 0 0 9.3 20h5.4a2 2 0 0 0 2-1.8L17.5 7", "M9 7V5.5A1.5 1.5 0 0 1 10.5 4h3A1.5 1.5 0 0 1 15 5.5V7"]);
    erase.addEventListener("click", () => deleteConversation(c));
    const actions = document.createElement("span");
    actions.className = "actions";
    actions.append(rename, download, erase);
    li.append(button, actions);
    return li;
  }

  // An icon button of a sidebar item: class "rename" is found by data-testid "rename-conversation", and so on.
  function action(tag, name, title, label, iconPaths) {
    const element = document.createElement(tag);
    if (tag === "button") element.type = "button";
    element.className = name;
    element.title = title;
    element.setAttribute("aria-label", label);
    element.dataset.testid = `${name}-conversation`;
    element.appendChild(svgIcon(iconPaths));
    return element;
  }

  function markActive() {
    for (const li of ui.conversations.children) {
      const active = li.dataset.id === currentId();
      li.classList.toggle("active", active);
      const button = li.querySelector(".open");
      if (active) button.setAttribute("aria-current", "page");
      else button.removeAttribute("aria-current");
    }
  }

  function metaText(meta) {
    return t("conversation.meta", { messages: tn("conversation.messages", Number(meta.dataset.count)), updated: relativeTime(meta.dataset.updatedAt) });
  }

  function refreshRelativeTimes() {
    for (const meta of ui.conversations.querySelectorAll(".meta[data-updated-at]")) meta.textContent = metaText(meta);
  }

  // The title becomes a field in place: Enter or leaving it saves, Escape keeps the old title.
  function startRename(li, conversation) {
    const input = document.createElement("input");
    input.type = "text";
    input.className = "rename-input";
    input.maxLength = 80;
    input.value = conversation.title || "";
    input.setAttribute("aria-label", t("conversation.renameLabel", { title: conversation.title || t("title.untitled") }));
    input.dataset.testid = "rename-input";
    let done = false;
    const finish = async (save) => {
      if (done) return;
      done = true;
      const title = input.value.trim();
      if (save && title && title !== conversation.title) await rename(conversation, title);
      render();
      ui.conversations.querySelector(`li[data-id="${CSS.escape(conversation.id)}"] .rename`)?.focus();
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); finish(true); }
      else if (event.key === "Escape") { event.preventDefault(); finish(false); }
    });
    input.addEventListener("blur", () => finish(true));
    li.querySelector(".open").replaceWith(input);
    input.focus();
    input.select();
  }

  async function rename(conversation, title) {
    let response;
    try {
      response = await api(`/api/conversations/${conversation.id}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ title }),
      });
    } catch (error) {
      if (!signedOut(error)) setStatus(t("status.renameFailed"));
      return;
    }
    if (!response.ok) {
      setStatus(t("status.renameFailed"));
      return;
    }
    conversation.title = (await response.json()).title;
    if (conversation.id === currentId()) renamed(conversation.title);
  }

  async function deleteConversation(conversation) {
    if (!confirm(t("conversation.confirmDelete", { title: conversation.title || t("title.untitled") }))) return;
    const index = conversations.findIndex((c) => c.id === conversation.id);
    let response;
    try {
      response = await api(`/api/conversations/${conversation.id}`, { method: "DELETE" });
    } catch (error) {
      if (!signedOut(error)) setStatus(t("status.deleteFailed"));
      return;
    }
    if (!response.ok && response.status !== 404) {
      setStatus(t("status.deleteFailed"));
      return;
    }
    conversations = conversations.filter((c) => c.id !== conversation.id);
    render();
    if (conversation.id === currentId()) {
      await open(null, { push: true });
    } else {
      // Keep the keyboard where it was: on the next conversation in the list, or on "New chat".
      const next = ui.conversations.children[Math.min(index, ui.conversations.children.length - 1)];
      (next?.querySelector(".open") ?? ui.newChat).focus();
    }
    setStatus(t("status.deleted"));
    load();
  }

  async function loadHistory() {
    try {
      const { jobs } = await (await api("/api/jobs")).json();
      ui.history.replaceChildren(...jobs.map((job) => {
        const li = document.createElement("li");
        li.className = `job ${job.status}`;
        const what = job.kind === "answer" ? (job.conversationTitle ?? t("history.answer")) : job.kind === "question" ? t("history.question") : t("history.completion");
        const parts = [t("history.item", {
          time: formatTime(job.createdAt), what, status: jobStatus(job.status), priority: priorityName(job.priority), model: job.model,
        })];
        if (job.waitMs != null) parts.push(t("history.waited", { seconds: secondsText(job.waitMs) }));
        if (job.durationMs != null) parts.push(t("units.seconds", { value: secondsText(job.durationMs) }));
        li.textContent = parts.join(" · ");
        return li;
      }));
    } catch {
      // History is informational.
    }
  }

  async function loadQueueStats() {
    if (!ui.queueDetails.open || document.hidden) return;
    try {
      const stats = await (await api("/api/queue/stats")).json();
      ui.queueWaiting.textContent = i18n.number(stats.waiting);
      ui.queueProcessing.textContent = i18n.number(stats.processing);
      ui.queueThroughput.textContent = i18n.number(stats.throughputPerMinute);
    } catch {
      // Shown again at the next refresh.
    }
  }

  function show() {
    ui.app.classList.add("sidebar-open");
    ui.backdrop.hidden = false;
    ui.openSidebar.setAttribute("aria-expanded", "true");
    ui.newChat.focus();
  }

  function close() {
    if (!ui.app.classList.contains("sidebar-open")) return;
    ui.app.classList.remove("sidebar-open");
    ui.backdrop.hidden = true;
    ui.openSidebar.setAttribute("aria-expanded", "false");
  }

  ui.queueDetails.addEventListener("toggle", loadQueueStats);
  ui.openSidebar.addEventListener("click", show);
  ui.closeSidebar.addEventListener("click", () => { close(); ui.openSidebar.focus(); });
  ui.backdrop.addEventListener("click", close);
  ui.sidebar.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && ui.app.classList.contains("sidebar-open")) {
      close();
      ui.openSidebar.focus();
    }
  });
  setInterval(loadQueueStats, 5000);
  setInterval(refreshRelativeTimes, 30_000);

  return {
    load, markActive, close, loadHistory, loadQueueStats,
    titleOf: (id) => conversations.find((c) => c.id === id)?.title,
  };
}
