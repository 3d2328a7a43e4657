// TaskFlow chat page: one WebSocket to the gateway's /ws (protocol: docs/protocol.md) plus the REST APIs.
// Vanilla JS, no framework. Model output is Markdown rendered by marked and sanitised by DOMPurify; everything a
// person typed is shown as plain text. Every word the page says comes from i18n (i18n.js), in the page's language.
"use strict";

(() => {
  const { t, tn } = i18n;
  // ---------- constants ----------

  const TYPING_IDLE_MS = 1500;
  const RECONNECT_BASE_MS = 500;
  const RECONNECT_MAX_MS = 10_000;
  const NEAR_BOTTOM_PX = 96;
  const MODEL_STORAGE_KEY = "taskflow.model";
  // Errors that reject the message just sent (it was not stored): the person may send it again.
  const REJECTED_MESSAGE_CODES = new Set([
    "INVALID_MESSAGE", "MESSAGE_TOO_LARGE", "TOO_MANY_MESSAGES", "MODEL_NOT_FOUND", "NO_WORKER",
    "STORAGE_UNAVAILABLE", "TOO_MANY_JOBS",
  ]);

  // Element references are taken once, before any model output is on the page.
  const $ = (id) => document.getElementById(id);
  const ui = {
    app: $("app"), sidebar: $("sidebar"), backdrop: $("backdrop"), openSidebar: $("open-sidebar"), closeSidebar: $("close-sidebar"),
    brand: $("brand"), newChat: $("new-chat"), conversations: $("conversations"), conversationsEmpty: $("conversations-empty"),
    history: $("history"), queueDetails: $("queue-details"),
    queueWaiting: $("queue-waiting"), queueProcessing: $("queue-processing"), queueThroughput: $("queue-throughput"),
    title: $("chat-title"), status: $("status"), dot: $("connection-dot"), retryNow: $("retry-now"),
    jobPanel: $("job-panel"), jobPosition: $("job-position"), jobProgress: $("job-progress"), jobProgressbar: $("job-progressbar"),
    offlineBanner: $("offline-banner"), thread: $("thread"), messages: $("messages"), jumpLatest: $("jump-latest"),
    greeting: $("greeting"),
    composer: $("composer"), input: $("input"), model: $("model"), priority: $("priority"),
    generateQuestion: $("generate-question"), regenerate: $("regenerate"), cancel: $("cancel"), send: $("send"),
  };

  const state = {
    socket: null,
    socketOpened: false, // the current socket reached "open" (a close before that may mean "signed out")
    everConnected: false, // for this conversation: a later open is a reconnect
    conversationId: new URLSearchParams(location.search).get("c"),
    conversationTitle: null,
    models: [],
    defaultModel: null,
    conversations: [],
    bubbles: new Map(), // generationId -> { node, body, text, lastSeq, done, kind, frame }
    shown: new Set(), // ids of finished messages on the page (an assistant message's id is its generation id)
    unconfirmed: [], // user message nodes sent but not yet acknowledged by message_accepted
    current: null, // generationId of the answer being generated (or queued)
    greetingId: null, // the greeting streaming into the empty conversation (not a message: never stored)
    adoptNextGeneration: false, // after a resume: the first unknown generation is this conversation's answer in flight
    reconcileOnResume: false, // compare with the stored history once the socket has resumed the conversation
    pending: [], // events to send as soon as the socket is open
    loading: false,
    openToken: 0, // increases with every conversation switch; late responses for an older one are dropped
    reconnectAttempt: 0,
    reconnectTimer: null,
    countdownTimer: null,
    typing: false,
    typingTimer: null,
    questionPending: false,
    stickToBottom: true,
  };

  // ---------- small helpers ----------

  function setStatus(text, { connection } = {}) {
    ui.status.textContent = text;
    if (connection) ui.dot.dataset.state = connection;
  }

  function formatTime(value) {
    return new Date(value).toLocaleTimeString(i18n.locale, { hour: "2-digit", minute: "2-digit" });
  }

  const relativeFormat = new Intl.RelativeTimeFormat(i18n.locale, { numeric: "auto" });
  function relativeTime(value) {
    const seconds = Math.round((Date.now() - new Date(value).getTime()) / 1000);
    if (seconds < 45) return t("time.justNow");
    if (seconds < 3600) return relativeFormat.format(-Math.round(seconds / 60), "minute");
    if (seconds < 86_400) return relativeFormat.format(-Math.round(seconds / 3600), "hour");
    if (seconds < 7 * 86_400) return relativeFormat.format(-Math.round(seconds / 86_400), "day");
    return new Date(value).toLocaleDateString(i18n.locale);
  }

  const secondsText = (ms, digits = 1) => i18n.number(ms / 1000, { minimumFractionDigits: digits, maximumFractionDigits: digits });

  function loginUrl() {
    return `/Account/Login?returnUrl=${encodeURIComponent(location.pathname + location.search)}`;
  }

  // Every REST call goes through here: a 401 means the sign-in expired, so the person signs in and comes back.
  async function api(path, options) {
    const response = await fetch(path, { credentials: "same-origin", ...options });
    if (response.status === 401) {
      location.assign(loginUrl());
      throw new Error("signed out");
    }
    return response;
  }

  function svgIcon(paths) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    for (const d of paths) {
      const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
      path.setAttribute("d", d);
      svg.appendChild(path);
    }
    return svg;
  }

  // ---------- Markdown, safely ----------

  const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

  marked.use({
    gfm: true,
    breaks: true,
    renderer: {
      // A model's image would be fetched by the browser the moment it is shown: a way to send data to any server.
      // Images become plain links the person can choose to open.
      image({ href, text }) {
        const label = text || href || t("markdown.image");
        return href ? `<a href="${escapeHtml(href)}">${escapeHtml(t("markdown.imageLink", { label }))}</a>` : escapeHtml(label);
      },
    },
  });

  const PURIFY_OPTIONS = {
    USE_PROFILES: { html: true },
    // No media, forms or styles from a model; no ids or names either (they could shadow the page's own elements).
    FORBID_TAGS: ["img", "picture", "source", "video", "audio", "iframe", "object", "embed", "form", "input", "button",
      "textarea", "select", "option", "style", "link", "meta", "base", "svg", "math", "dialog", "details"],
    FORBID_ATTR: ["id", "name", "style", "srcset", "action", "formaction", "tabindex", "autofocus"],
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
  };

  DOMPurify.addHook("uponSanitizeAttribute", (node, data) => {
    // Classes could make model text look like the page's own UI (a fake badge, a fake user message). The only class
    // kept is the language of a fenced code block.
    if (data.attrName === "class") {
      data.keepAttr = node.nodeName === "CODE" && /^language-[\w+#.-]{1,32}$/.test(data.attrValue);
    }
  });
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.nodeName === "A" && node.hasAttribute("href")) {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer nofollow");
    }
  });

  function renderMarkdown(body, text) {
    body.innerHTML = DOMPurify.sanitize(marked.parse(text), PURIFY_OPTIONS);
  }

  // Code blocks get a language label and a copy button (our own elements, added after sanitising).
  function decorateCodeBlocks(body) {
    for (const pre of body.querySelectorAll("pre")) {
      if (pre.parentElement?.classList.contains("code-block")) continue;
      const code = pre.querySelector("code");
      const language = code?.className.match(/language-([\w+#.-]+)/)?.[1] ?? "";
      const wrapper = document.createElement("div");
      wrapper.className = "code-block";
      const bar = document.createElement("div");
      bar.className = "code-bar";
      const label = document.createElement("span");
      label.textContent = language || t("code.label");
      const copy = document.createElement("button");
      copy.type = "button";
      copy.className = "copy-code";
      copy.textContent = t("code.copy");
      copy.setAttribute("aria-label", t("code.copyLabel", { language: language || t("code.label") }));
      bar.append(label, copy);
      pre.replaceWith(wrapper);
      wrapper.append(bar, pre);
    }
  }

  // The streaming cursor goes after the last character written, however deep in the Markdown it is.
  function lastMeaningfulChild(node) {
    let child = node.lastChild;
    while (child && child.nodeType === Node.TEXT_NODE && !child.textContent.trim()) child = child.previousSibling;
    return child;
  }

  function placeCursor(body) {
    let target = body;
    for (let child = lastMeaningfulChild(target); child?.nodeType === Node.ELEMENT_NODE && !child.matches("br, hr"); child = lastMeaningfulChild(target)) {
      target = child;
    }
    const cursor = document.createElement("span");
    cursor.className = "cursor";
    cursor.setAttribute("aria-hidden", "true");
    target.appendChild(cursor);
  }

  // ---------- scrolling ----------

  function isNearBottom() {
    return ui.thread.scrollHeight - ui.thread.scrollTop - ui.thread.clientHeight < NEAR_BOTTOM_PX;
  }

  function scrollToLatest(force = false) {
    if (force) state.stickToBottom = true;
    if (state.stickToBottom) {
      ui.thread.scrollTop = ui.thread.scrollHeight;
      ui.jumpLatest.hidden = true;
    } else {
      ui.jumpLatest.hidden = false;
    }
  }

  ui.thread.addEventListener("scroll", () => {
    state.stickToBottom = isNearBottom();
    if (state.stickToBottom) ui.jumpLatest.hidden = true;
  }, { passive: true });
  ui.jumpLatest.addEventListener("click", () => { scrollToLatest(true); ui.input.focus(); });

  // ---------- messages ----------

  // Messages from REST are inserted before any answer still streaming, so the order stays the conversation's order.
  function insertMessageNode(node, { beforeLive = false } = {}) {
    const live = beforeLive ? [...state.bubbles.values()].find((b) => !b.done && b.node?.isConnected)?.node : null;
    ui.messages.insertBefore(node, live ?? null);
  }

  function createMessage(role, text, { time = new Date(), status = "completed", id = null, kind = null } = {}) {
    const node = document.createElement("article");
    node.className = `message ${role}`;
    node.dataset.role = role;
    if (kind || role === "assistant") node.dataset.kind = kind ?? "answer";
    if (id) {
      node.dataset.messageId = id;
      node.dataset.done = "true";
      state.shown.add(id);
    }
    const label = document.createElement("h3");
    label.className = "visually-hidden";
    label.textContent = role === "user" ? t("message.youSaid") : t("message.taskflowSaid");
    const body = document.createElement("div");
    body.className = "body";
    if (role === "assistant") {
      renderMarkdown(body, text);
      decorateCodeBlocks(body);
    } else {
      body.textContent = text;
    }
    const footer = document.createElement("footer");
    const stamp = document.createElement("time");
    stamp.className = "time";
    const date = new Date(time);
    stamp.dateTime = date.toISOString();
    stamp.title = date.toLocaleString();
    stamp.textContent = formatTime(date);
    footer.appendChild(stamp);
    node.append(label, body, footer);
    setBadge(node, status);
    return node;
  }

  function addMessage(role, text, options = {}) {
    const node = createMessage(role, text, options);
    insertMessageNode(node, options);
    scrollToLatest();
    return node;
  }

  function addNote(text, kind) {
    const node = document.createElement("div");
    node.className = `note ${kind}`;
    node.dataset.kind = kind;
    node.setAttribute("role", "note");
    node.textContent = text;
    ui.messages.appendChild(node);
    scrollToLatest();
    return node;
  }

  const BADGES = new Set(["interrupted", "cancelled", "failed", "unsent"]);

  function setBadge(node, status) {
    if (!BADGES.has(status)) return;
    const text = t(`badge.${status}`);
    const footer = node.querySelector("footer");
    footer.querySelector(".badge")?.remove();
    const badge = document.createElement("span");
    badge.className = `badge ${status}`;
    badge.dataset.testid = "badge";
    badge.textContent = text;
    footer.appendChild(badge);
    node.dataset.status = status;
  }

  // The bubble of one generation. An answer already on the page (from the history) is never shown twice: its
  // generation id is its message id, so its events land on a bubble that is already done.
  function bubbleFor(generationId, kind = "answer") {
    let bubble = state.bubbles.get(generationId);
    if (bubble) return bubble;
    if (state.shown.has(generationId)) {
      bubble = { node: null, body: null, text: "", lastSeq: Infinity, done: true, kind, frame: 0 };
    } else {
      const node = createMessage("assistant", "", { kind });
      node.classList.add("waiting");
      node.dataset.generationId = generationId;
      const body = node.querySelector(".body");
      body.appendChild(typingIndicator());
      ui.messages.appendChild(node);
      bubble = { node, body, text: "", lastSeq: 0, done: false, kind, frame: 0 };
      scrollToLatest();
    }
    state.bubbles.set(generationId, bubble);
    return bubble;
  }

  function typingIndicator(label = "") {
    const wrap = document.createElement("span");
    wrap.className = "typing";
    wrap.setAttribute("role", "img");
    wrap.setAttribute("aria-label", t("message.writing"));
    for (let i = 0; i < 3; i++) wrap.appendChild(document.createElement("i"));
    if (label) {
      const text = document.createElement("span");
      text.className = "typing-label";
      text.textContent = label;
      wrap.appendChild(text);
    }
    return wrap;
  }

  function setQueuedLabel(bubble, label) {
    if (!bubble?.node || bubble.done || bubble.text) return;
    bubble.body.replaceChildren(typingIndicator(label));
  }

  function renderBubble(bubble) {
    renderMarkdown(bubble.body, bubble.text);
    if (!bubble.done) placeCursor(bubble.body);
    else decorateCodeBlocks(bubble.body);
    scrollToLatest();
  }

  // Re-rendering the whole answer at most once a frame keeps long answers smooth.
  function scheduleRender(bubble) {
    if (bubble.frame || !bubble.node) return;
    bubble.frame = requestAnimationFrame(() => {
      bubble.frame = 0;
      if (!bubble.done) renderBubble(bubble);
    });
  }

  function finishBubble(bubble, status) {
    if (!bubble.node || bubble.done) return;
    bubble.done = true;
    if (bubble.frame) cancelAnimationFrame(bubble.frame);
    bubble.frame = 0;
    bubble.node.classList.remove("waiting", "streaming");
    bubble.node.dataset.done = "true";
    if (bubble.text) {
      renderBubble(bubble);
    } else {
      bubble.body.replaceChildren();
      const empty = document.createElement("p");
      empty.className = "empty-answer";
      empty.textContent = status === "completed" ? t("message.noAnswer") : t("message.stoppedBeforeAnswer");
      bubble.body.appendChild(empty);
    }
    setBadge(bubble.node, status);
    updateBusy();
  }

  function markShown(bubble, messageId) {
    if (!messageId) return;
    state.shown.add(messageId);
    if (!bubble?.node) return;
    // The same answer already on the page (loaded from the history while it finished): keep that one.
    const existing = ui.messages.querySelector(`[data-message-id="${CSS.escape(messageId)}"]`);
    if (existing && existing !== bubble.node) {
      bubble.node.remove();
      bubble.node = null;
    } else {
      bubble.node.dataset.messageId = messageId;
    }
  }

  // Screen readers hear an answer once it is complete, not every re-render of it.
  function updateBusy() {
    const streaming = [...state.bubbles.values()].some((b) => b.node && !b.done);
    ui.messages.setAttribute("aria-busy", String(streaming));
    ui.regenerate.hidden = streaming || Boolean(state.current) || !lastAnswer();
  }

  // The conversation's last turn, when it is a finished answer: what "Regenerate" replaces.
  function lastAnswer() {
    const turns = ui.messages.querySelectorAll(".message.user, .message.assistant[data-kind=answer]");
    const last = turns[turns.length - 1];
    return last?.classList.contains("assistant") && last.dataset.done === "true" ? last : null;
  }

  function setGenerating(generationId) {
    state.current = generationId;
    ui.cancel.hidden = !generationId;
    ui.jobPanel.hidden = !generationId;
    ui.send.title = generationId ? t("send.interruptTitle") : "";
    if (!generationId) {
      setProgress(0);
      if (ui.cancel.contains(document.activeElement)) ui.input.focus();
    }
    updateBusy();
  }

  function setProgress(percent) {
    ui.jobProgress.style.width = `${percent}%`;
    ui.jobProgressbar.setAttribute("aria-valuenow", String(percent));
  }

  function setTitle(title) {
    state.conversationTitle = title;
    ui.title.textContent = title || t("title.newChat");
    document.title = `${title || t("title.newChat")} · TaskFlow`;
  }

  // ---------- sidebar data ----------

  async function loadModels() {
    try {
      const response = await api("/api/models");
      const { models, defaultModel } = await response.json();
      state.models = models;
      state.defaultModel = defaultModel;
      ui.model.replaceChildren(...models.map((m) => {
        const name = m.isOffline || m.isReachable ? m.displayName : t("model.unreachable", { name: m.displayName });
        const option = new Option(name, m.id);
        option.title = m.provider;
        return option;
      }));
      const remembered = localStorage.getItem(MODEL_STORAGE_KEY);
      ui.model.value = models.some((m) => m.id === remembered && m.isReachable) ? remembered : (defaultModel ?? models[0]?.id ?? "");
    } catch (error) {
      if (error.message !== "signed out") setStatus(t("status.modelsFailed"));
    }
  }

  function isOfflineModel(modelId) {
    return state.models.find((m) => m.id === modelId)?.isOffline === true;
  }

  function showConversationModel(modelId, offline) {
    if (modelId && ![...ui.model.options].some((o) => o.value === modelId)) {
      ui.model.appendChild(new Option(modelId, modelId)); // a model no worker advertises any more
    }
    if (modelId) ui.model.value = modelId;
    ui.model.disabled = true;
    ui.model.closest(".chip").title = t("model.ofConversation");
    ui.offlineBanner.hidden = !(offline ?? isOfflineModel(modelId));
  }

  function enableModelPicker() {
    ui.model.disabled = false;
    ui.model.closest(".chip").title = t("model.forNewConversation");
    ui.offlineBanner.hidden = !isOfflineModel(ui.model.value);
  }

  async function loadConversations() {
    try {
      const { conversations } = await (await api("/api/conversations")).json();
      state.conversations = conversations;
      renderConversations();
    } catch {
      // The sidebar is a convenience; the chat works without it.
    }
  }

  function renderConversations() {
    const focusedId = document.activeElement?.closest?.(".conversations li")?.dataset.id;
    const focusedAction = ["rename", "export", "delete"].find((name) => document.activeElement?.classList.contains(name));
    ui.conversations.replaceChildren(...state.conversations.map((c) => {
      const item = document.createElement("li");
      item.dataset.id = c.id;
      const active = c.id === state.conversationId;
      item.className = active ? "active" : "";
      const open = document.createElement("button");
      open.type = "button";
      open.className = "open";
      if (active) open.setAttribute("aria-current", "page");
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
      meta.textContent = conversationMeta(meta);
      open.append(title, preview, meta);
      open.addEventListener("click", () => {
        if (c.id !== state.conversationId) openConversation(c.id, { push: true });
        else { closeSidebar(); ui.input.focus(); }
      });
      const named = { title: c.title || t("title.untitled") };
      const rename = conversationAction("button", "rename", t("conversation.rename"), t("conversation.renameLabel", named),
        ["M4 20h4L19 9l-4-4L4 16v4z", "M13.5 6.5l4 4"]);
      rename.addEventListener("click", () => startRename(item, c));
      const download = conversationAction("a", "export", t("conversation.export"), t("conversation.exportLabel", named),
        ["M12 4v11", "M7 10l5 5 5-5", "M5 20h14"]);
      download.href = `/api/conversations/${encodeURIComponent(c.id)}/export`;
      const remove = conversationAction("button", "delete", t("conversation.delete"), t("conversation.deleteLabel", named),
        ["M5 7h14", "M10 11v6M14 11v6", "M6.5 7l.8 11.2A2 2 0 0 0 9.3 20h5.4a2 2 0 0 0 2-1.8L17.5 7", "M9 7V5.5A1.5 1.5 0 0 1 10.5 4h3A1.5 1.5 0 0 1 15 5.5V7"]);
      remove.addEventListener("click", () => deleteConversation(c));
      const actions = document.createElement("span");
      actions.className = "actions";
      actions.append(rename, download, remove);
      item.append(open, actions);
      return item;
    }));
    ui.conversationsEmpty.hidden = state.conversations.length > 0;
    if (focusedId) ui.conversations.querySelector(`li[data-id="${CSS.escape(focusedId)}"] ${focusedAction ? `.${focusedAction}` : ".open"}`)?.focus();
  }

  // An icon button of a sidebar item: class "rename" is found by data-testid "rename-conversation", and so on.
  function conversationAction(tag, name, title, label, iconPaths) {
    const action = document.createElement(tag);
    if (tag === "button") action.type = "button";
    action.className = name;
    action.title = title;
    action.setAttribute("aria-label", label);
    action.dataset.testid = `${name}-conversation`;
    action.appendChild(svgIcon(iconPaths));
    return action;
  }

  function markActiveConversation() {
    for (const item of ui.conversations.children) {
      const active = item.dataset.id === state.conversationId;
      item.classList.toggle("active", active);
      const open = item.querySelector(".open");
      if (active) open.setAttribute("aria-current", "page");
      else open.removeAttribute("aria-current");
    }
  }

  function conversationMeta(meta) {
    return t("conversation.meta", { messages: tn("conversation.messages", Number(meta.dataset.count)), updated: relativeTime(meta.dataset.updatedAt) });
  }

  function refreshRelativeTimes() {
    for (const meta of ui.conversations.querySelectorAll(".meta[data-updated-at]")) meta.textContent = conversationMeta(meta);
  }

  // The title becomes a field in place: Enter or leaving it saves, Escape keeps the old title.
  function startRename(item, conversation) {
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
      if (save && title && title !== conversation.title) await renameConversation(conversation, title);
      renderConversations();
      ui.conversations.querySelector(`li[data-id="${CSS.escape(conversation.id)}"] .rename`)?.focus();
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); finish(true); }
      else if (event.key === "Escape") { event.preventDefault(); finish(false); }
    });
    input.addEventListener("blur", () => finish(true));
    item.querySelector(".open").replaceWith(input);
    input.focus();
    input.select();
  }

  async function renameConversation(conversation, title) {
    let response;
    try {
      response = await api(`/api/conversations/${conversation.id}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ title }),
      });
    } catch (error) {
      if (error.message !== "signed out") setStatus(t("status.renameFailed"));
      return;
    }
    if (!response.ok) {
      setStatus(t("status.renameFailed"));
      return;
    }
    conversation.title = (await response.json()).title;
    if (conversation.id === state.conversationId) setTitle(conversation.title);
  }

  async function deleteConversation(conversation) {
    if (!confirm(t("conversation.confirmDelete", { title: conversation.title || t("title.untitled") }))) return;
    const index = state.conversations.findIndex((c) => c.id === conversation.id);
    let response;
    try {
      response = await api(`/api/conversations/${conversation.id}`, { method: "DELETE" });
    } catch (error) {
      if (error.message !== "signed out") setStatus(t("status.deleteFailed"));
      return;
    }
    if (!response.ok && response.status !== 404) {
      setStatus(t("status.deleteFailed"));
      return;
    }
    state.conversations = state.conversations.filter((c) => c.id !== conversation.id);
    renderConversations();
    if (conversation.id === state.conversationId) {
      await openConversation(null, { push: true });
    } else {
      // Keep the keyboard where it was: on the next conversation in the list, or on "New chat".
      const next = ui.conversations.children[Math.min(index, ui.conversations.children.length - 1)];
      (next?.querySelector(".open") ?? ui.newChat).focus();
    }
    setStatus(t("status.deleted"));
    loadConversations();
  }

  async function loadHistory() {
    try {
      const { jobs } = await (await api("/api/jobs")).json();
      ui.history.replaceChildren(...jobs.map((job) => {
        const item = document.createElement("li");
        item.className = `job ${job.status}`;
        const what = job.kind === "answer" ? (job.conversationTitle ?? t("history.answer")) : job.kind === "question" ? t("history.question") : t("history.completion");
        const parts = [t("history.item", {
          time: formatTime(job.createdAt), what, status: jobStatus(job.status), priority: priorityName(job.priority), model: job.model,
        })];
        if (job.waitMs != null) parts.push(t("history.waited", { seconds: secondsText(job.waitMs) }));
        if (job.durationMs != null) parts.push(t("units.seconds", { value: secondsText(job.durationMs) }));
        item.textContent = parts.join(" · ");
        return item;
      }));
    } catch {
      // History is informational.
    }
  }

  // Known values in the page's language; anything newer as the server says it.
  const jobStatus = (status) => (i18n.has(`jobStatus.${status}`) ? t(`jobStatus.${status}`) : status);
  const priorityName = (priority) => (i18n.has(`priority.${priority}`) ? t(`priority.${priority}`) : priority);

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

  // ---------- conversations ----------

  function setLoading(loading) {
    state.loading = loading;
    ui.thread.classList.toggle("loading", loading);
    ui.send.disabled = loading;
    ui.messages.setAttribute("aria-busy", String(loading));
  }

  function resetConversationView() {
    for (const bubble of state.bubbles.values()) if (bubble.frame) cancelAnimationFrame(bubble.frame);
    state.bubbles.clear();
    state.shown.clear();
    state.unconfirmed = [];
    state.pending = [];
    state.adoptNextGeneration = false;
    state.everConnected = false;
    state.stickToBottom = true;
    ui.messages.replaceChildren();
    ui.jumpLatest.hidden = true;
    setGenerating(null);
  }

  // Opens a conversation (or a new chat when id is null): history from REST first, then the socket. The history
  // holds only finished messages; an answer still being written arrives over the socket, from its first token.
  async function openConversation(id, { push = false, focus = true } = {}) {
    const token = ++state.openToken;
    // Close first: nothing typed while the history loads may go to the previous conversation.
    disconnect();
    stoppedTyping();
    resetConversationView();
    state.conversationId = id;
    const url = id ? `?c=${encodeURIComponent(id)}` : location.pathname;
    if (push && location.search !== (id ? url : "")) history.pushState({ c: id }, "", url);
    else history.replaceState({ c: id }, "", url);
    setTitle(id ? state.conversations.find((c) => c.id === id)?.title ?? t("title.conversation") : null);
    markActiveConversation();
    closeSidebar();

    let reconcileOnResume = Boolean(id);
    if (id) {
      setLoading(true);
      try {
        const response = await api(`/api/conversations/${encodeURIComponent(id)}`);
        if (token !== state.openToken) return;
        if (response.status === 404) {
          setLoading(false);
          await openConversation(null, { focus });
          addNote(t("note.missing"), "missing");
          return;
        }
        if (response.ok) {
          const conversation = await response.json();
          if (token !== state.openToken) return;
          setTitle(conversation.title);
          showConversationModel(conversation.model);
          for (const m of conversation.messages) {
            addMessage(m.role, m.content, { time: m.createdAt, status: m.status, id: m.id });
          }
          // Complete history and nothing pending: no need to compare again after connecting.
          reconcileOnResume = conversation.messages.at(-1)?.role === "user";
        } else {
          setStatus(t("status.historyFailed"));
        }
      } catch (error) {
        if (error.message === "signed out" || token !== state.openToken) return;
        setStatus(t("status.historyFailed"));
      } finally {
        if (token === state.openToken) setLoading(false);
      }
    } else {
      setTitle(null);
      enableModelPicker();
    }
    state.reconcileOnResume = reconcileOnResume;
    updateBusy();
    scrollToLatest(true);
    connect(0);
    if (focus) ui.input.focus();
  }

  // After (re)connecting: what finished while we were not listening is in the stored history. Anything not on the
  // page yet is added; an answer on the page that is still marked as streaming but is now stored is completed from
  // the stored text. Ids make this idempotent, so a token is never shown twice.
  async function reconcile() {
    const token = state.openToken;
    const id = state.conversationId;
    if (!id) return;
    let conversation;
    try {
      const response = await api(`/api/conversations/${encodeURIComponent(id)}`);
      if (!response.ok) return;
      conversation = await response.json();
    } catch {
      return;
    }
    if (token !== state.openToken) return;
    setTitle(conversation.title);
    for (const m of conversation.messages) {
      if (state.shown.has(m.id)) continue;
      const bubble = state.bubbles.get(m.id);
      if (bubble?.node) {
        if (!bubble.done) {
          bubble.text = m.content;
          finishBubble(bubble, m.status);
          if (state.current === m.id) setGenerating(null);
        }
        markShown(bubble, m.id);
        continue;
      }
      if (m.role === "user") {
        // Our own message whose message_accepted we missed while disconnected.
        const local = state.unconfirmed.find((node) => node.querySelector(".body").textContent === m.content);
        if (local) {
          state.unconfirmed = state.unconfirmed.filter((node) => node !== local);
          local.dataset.messageId = m.id;
          local.classList.remove("sending");
          state.shown.add(m.id);
          continue;
        }
      }
      addMessage(m.role, m.content, { time: m.createdAt, status: m.status, id: m.id, beforeLive: true });
    }
  }

  // ---------- the socket ----------

  function clearReconnect() {
    clearTimeout(state.reconnectTimer);
    clearInterval(state.countdownTimer);
    state.reconnectTimer = null;
    state.countdownTimer = null;
  }

  function disconnect() {
    clearReconnect();
    ui.retryNow.hidden = true;
    if (state.socket) {
      state.socket.onclose = null;
      state.socket.onmessage = null;
      state.socket.onopen = null;
      state.socket.close();
      state.socket = null;
    }
  }

  function connect(lastSeq) {
    disconnect();
    const query = new URLSearchParams();
    if (state.conversationId) {
      query.set("conversationId", state.conversationId);
      if (lastSeq > 0) query.set("lastSeq", String(lastSeq));
    } else if (ui.model.value) {
      query.set("model", ui.model.value);
    }
    // The server's own words (the idle and typing nudges) in the page's language.
    if (document.documentElement.lang) query.set("lang", document.documentElement.lang);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const search = query.toString();
    const socket = new WebSocket(`${scheme}://${location.host}/ws${search ? `?${search}` : ""}`);
    state.socket = socket;
    state.socketOpened = false;
    setStatus(state.reconnectAttempt ? t("status.reconnecting") : t("status.connecting"), { connection: "connecting" });
    socket.onopen = () => {
      state.socketOpened = true;
      state.reconnectAttempt = 0;
      setStatus(t("status.connected"), { connection: "open" });
      flushPending();
    };
    socket.onclose = (event) => {
      state.socket = null;
      if (event.code === 4404) return; // conversation not found: the ai_error before it opened a new chat
      if (!state.socketOpened) checkSignedIn();
      scheduleReconnect();
    };
    socket.onmessage = (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      handle(data);
    };
  }

  // /ws refuses a signed-out browser before the upgrade, which a WebSocket cannot see: ask the REST API instead.
  function checkSignedIn() {
    api("/api/models", { method: "GET" }).catch(() => {});
  }

  function flushPending() {
    if (state.socket?.readyState !== WebSocket.OPEN || state.loading) return;
    for (const event of state.pending.splice(0)) {
      state.socket.send(JSON.stringify(event));
      if (event.type === "user_message") event.node?.classList.remove("queued");
    }
  }

  // Exponential backoff with jitter: 0.5 s doubling to 10 s. A reconnect in the middle of an answer says which
  // token it saw last, so the server replays only the rest.
  function scheduleReconnect() {
    clearReconnect();
    const base = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** state.reconnectAttempt);
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    state.reconnectAttempt++;
    const due = Date.now() + delay;
    // Screen readers hear "Connection lost. Reconnecting" once; the countdown itself is only shown.
    const countdown = document.createElement("span");
    countdown.setAttribute("aria-hidden", "true");
    setStatus(t("status.connectionLost"), { connection: "closed" });
    ui.status.appendChild(countdown);
    const tick = () => {
      countdown.textContent = t("status.reconnectCountdown", { seconds: Math.max(1, Math.ceil((due - Date.now()) / 1000)) });
    };
    tick();
    ui.retryNow.hidden = false;
    state.countdownTimer = setInterval(tick, 250);
    state.reconnectTimer = setTimeout(reconnectNow, delay);
  }

  function reconnectNow() {
    clearReconnect();
    ui.retryNow.hidden = true;
    const inFlight = state.current && state.bubbles.get(state.current);
    connect(inFlight && !inFlight.done && Number.isFinite(inFlight.lastSeq) ? inFlight.lastSeq : 0);
  }

  function send(event) {
    if (state.socket?.readyState === WebSocket.OPEN && !state.loading) {
      state.socket.send(JSON.stringify(event));
      return true;
    }
    // Opening after "New chat", or reconnecting: hold it and send it as soon as the socket is open. Typing state is
    // only worth anything live, and a cancel is re-decided when the answer is seen again.
    if (event.type === "user_message" || event.type === "generate_question" || event.type === "regenerate") {
      state.pending.push(event);
      if (!state.socket && !state.reconnectTimer && !state.loading) connect(0);
      return true;
    }
    return false;
  }

  // ---------- server events ----------

  function knownOrAdopted(generationId) {
    if (state.bubbles.has(generationId)) return state.bubbles.get(generationId);
    // After a resume, the first generation we hear of is this conversation's answer in flight (a reload while it
    // was queued or being written).
    if (state.adoptNextGeneration && !state.questionPending) {
      state.adoptNextGeneration = false;
      const bubble = bubbleFor(generationId);
      if (!bubble.done) setGenerating(generationId);
      return bubble;
    }
    return null;
  }

  function handle(event) {
    switch (event.type) {
      case "conversation_created":
        state.conversationId = event.conversationId;
        state.everConnected = true;
        history.replaceState({ c: event.conversationId }, "", `?c=${encodeURIComponent(event.conversationId)}`);
        showConversationModel(event.model, event.offline);
        setStatus(t("status.newConversation", { model: event.modelName }));
        break;

      case "conversation_resumed": {
        const reconnected = state.everConnected;
        state.everConnected = true;
        state.adoptNextGeneration = !state.current;
        showConversationModel(event.model);
        if (event.title) setTitle(event.title);
        setStatus(reconnected ? t("status.reconnected") : t("status.connected"), { connection: "open" });
        if (reconnected || state.reconcileOnResume) reconcile();
        state.reconcileOnResume = false;
        break;
      }

      case "title_updated":
        if (event.conversationId === state.conversationId) setTitle(event.title);
        loadConversations();
        break;

      case "message_accepted": {
        const node = state.unconfirmed.shift();
        if (node) {
          node.dataset.messageId = event.messageId;
          node.classList.remove("sending");
          state.shown.add(event.messageId);
        }
        state.adoptNextGeneration = false;
        setGenerating(event.generationId);
        const bubble = bubbleFor(event.generationId);
        setQueuedLabel(bubble, t("job.queued"));
        ui.jobPosition.textContent = t("job.queuedWith", { priority: priorityName(event.priority) });
        setStatus(t("status.queued"));
        loadHistory();
        break;
      }

      case "queue_position": {
        const bubble = knownOrAdopted(event.generationId);
        if (event.generationId !== state.current) break;
        const text = event.ahead === 0 ? t("queue.nextInLine") : tn("queue.ahead", event.ahead);
        ui.jobPosition.textContent = t("job.inQueue", { position: text });
        setQueuedLabel(bubble, text);
        setStatus(t("status.waitingInQueue", { position: text }));
        break;
      }

      case "progress":
        knownOrAdopted(event.generationId);
        if (event.generationId === state.current) setProgress(event.percent);
        break;

      case "job_status":
        if (event.status === "retrying") {
          setStatus(t("status.retrying", { code: event.code, seconds: secondsText(event.retryInMs), attempt: i18n.number(event.attempt + 1) }));
        } else if (event.status === "throttled") {
          setStatus(t("status.throttled", { seconds: i18n.number(Math.ceil(event.retryInMs / 1000)) }));
        } else if (event.status === "delayed") {
          setStatus(t("status.delayed"));
        }
        break;

      case "ai_start": {
        if (event.kind === "greeting") {
          state.greetingId = event.generationId;
          ui.greeting.textContent = "";
          ui.greeting.hidden = false;
          break;
        }
        const kind = event.kind === "nudge" ? "nudge" : "answer";
        const bubble = kind === "answer" ? (knownOrAdopted(event.generationId) ?? bubbleFor(event.generationId)) : bubbleFor(event.generationId, kind);
        if (kind === "answer") {
          state.adoptNextGeneration = false;
          if (!bubble.done) setGenerating(event.generationId);
          ui.jobPosition.textContent = t("status.writing");
          setStatus(event.restarted ? t("status.restarted") : t("status.writing"));
        }
        if (bubble.node && !bubble.done) {
          // Between ai_start and the first token: the three dots. A restart throws the partial text away.
          if (event.restarted || !bubble.text) {
            bubble.text = "";
            bubble.node.classList.remove("streaming");
            bubble.node.classList.add("waiting");
            bubble.body.replaceChildren(typingIndicator());
          }
        }
        updateBusy();
        break;
      }

      case "ai_token": {
        if (event.generationId === state.greetingId) {
          ui.greeting.textContent += event.token;
          break;
        }
        const bubble = state.bubbles.get(event.generationId) ?? knownOrAdopted(event.generationId);
        // The generation guard: only the answer being generated (or the idle check-in) is shown, each token once.
        if (!bubble || bubble.done || !bubble.node) break;
        if (bubble.kind === "answer" && event.generationId !== state.current) break;
        if (!(event.seq > bubble.lastSeq)) break;
        bubble.lastSeq = event.seq;
        bubble.text += event.token;
        if (bubble.node.classList.contains("waiting")) {
          bubble.node.classList.remove("waiting");
          bubble.node.classList.add("streaming");
        }
        scheduleRender(bubble);
        break;
      }

      case "ai_done": {
        if (event.generationId === state.greetingId) break;
        const bubble = state.bubbles.get(event.generationId);
        if (bubble) {
          finishBubble(bubble, event.status);
          markShown(bubble, event.messageId);
        }
        const wasCurrent = event.generationId === state.current;
        if (wasCurrent) setGenerating(null);
        if (bubble?.kind === "nudge") break;
        if (wasCurrent || event.status === "cancelled") {
          setStatus(event.status === "cancelled" ? t("status.stopped") : event.tokensUsed ? tn("status.doneTokens", event.tokensUsed) : t("status.done"));
        }
        loadConversations();
        loadHistory();
        break;
      }

      case "ai_interrupted": {
        const bubble = state.bubbles.get(event.generationId);
        if (bubble?.node && !bubble.done) {
          // Keep what was on screen; if this page saw nothing of it (a reload), show what the server stored.
          if (!bubble.text && event.partialContent) bubble.text = event.partialContent;
          finishBubble(bubble, event.reason === "cancelled" ? "cancelled" : "interrupted");
        }
        if (event.generationId === state.current) setGenerating(null);
        setStatus(event.reason === "cancelled" ? t("status.stopped") : t("status.interrupted"));
        break;
      }

      case "ai_error":
        handleError(event);
        break;

      case "typing_nudge":
        addNote(event.message, "typing-nudge");
        break;

      case "conversation_ended":
        if (event.conversationId && event.conversationId !== state.conversationId) break;
        addNote(t("note.ended"), "ended");
        setStatus(t("status.ended"));
        break;

      case "question_suggested":
        state.questionPending = false;
        ui.generateQuestion.disabled = false;
        ui.input.value = event.question;
        autoResize();
        ui.input.focus();
        setStatus(t("status.questionSuggested"));
        loadHistory();
        break;
    }
  }

  function handleError(event) {
    const bubble = event.generationId ? state.bubbles.get(event.generationId) : null;
    if (bubble?.node && !bubble.done) {
      if (bubble.text) {
        finishBubble(bubble, "failed");
      } else {
        bubble.node.remove();
        bubble.done = true;
      }
    }
    if (!event.generationId && REJECTED_MESSAGE_CODES.has(event.code)) {
      const node = state.unconfirmed.shift();
      if (node) {
        node.classList.remove("sending");
        setBadge(node, "unsent");
        // Give the text back so it can be sent again.
        if (!ui.input.value.trim()) {
          ui.input.value = node.querySelector(".body").textContent;
          autoResize();
        }
      }
    }
    if (event.generationId && event.generationId === state.current) setGenerating(null);
    if (state.questionPending && (!bubble || !event.generationId)) {
      state.questionPending = false;
      ui.generateQuestion.disabled = false;
    }

    if (event.code === "CONVERSATION_NOT_FOUND") {
      openConversation(null, { push: true }).then(() => addNote(errorMessage(event), "missing"));
      return;
    }
    const node = document.createElement("div");
    node.className = "message error";
    node.setAttribute("role", "alert");
    node.dataset.code = event.code;
    const title = document.createElement("strong");
    title.textContent = errorTitle(event.code);
    const text = document.createElement("p");
    text.textContent = errorMessage(event);
    // The server's own words may say more (a size limit, a model name): kept at hand, in English.
    if (text.textContent !== event.error) text.title = event.error;
    const code = document.createElement("code");
    code.textContent = event.code;
    node.append(title, text, code);
    ui.messages.appendChild(node);
    scrollToLatest();
    setStatus(t("status.error", { code: event.code }));
  }

  // The server explains errors in English; the page says it in its own language, chosen by the error's code. A code
  // this page does not know yet keeps the server's explanation.
  function errorMessage(event) {
    return i18n.has(`error.${event.code}`) ? t(`error.${event.code}`) : event.error;
  }

  function errorTitle(code) {
    switch (code) {
      case "RATE_LIMITED": case "QUOTA_EXCEEDED": case "TIMEOUT": case "STORAGE_UNAVAILABLE": case "TOO_MANY_MESSAGES": case "CONTENT_BLOCKED":
      case "TOO_MANY_JOBS": case "TOO_MANY_CONNECTIONS":
        return t(`errorTitle.${code}`);
      case "SERVICE_UNAVAILABLE": case "NO_WORKER": case "QUEUE_UNAVAILABLE": return t("errorTitle.unavailable");
      default: return t("errorTitle.default");
    }
  }

  // ---------- input ----------

  function stoppedTyping() {
    clearTimeout(state.typingTimer);
    if (state.typing) {
      state.typing = false;
      send({ type: "user_stopped_typing" });
    }
  }

  function autoResize() {
    ui.input.style.height = "auto";
    ui.input.style.height = `${Math.min(ui.input.scrollHeight, Math.round(window.innerHeight * 0.4))}px`;
  }

  ui.input.addEventListener("input", () => {
    autoResize();
    // user_typing on the first keystroke after a pause; user_stopped_typing after 1.5 s without one.
    if (!state.typing && ui.input.value && state.socket?.readyState === WebSocket.OPEN) {
      state.typing = send({ type: "user_typing" });
    }
    clearTimeout(state.typingTimer);
    if (state.typing) state.typingTimer = setTimeout(stoppedTyping, TYPING_IDLE_MS);
  });

  ui.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    if (state.loading) return;
    const text = ui.input.value.trim();
    if (!text) {
      ui.input.focus();
      return;
    }
    stoppedTyping();
    // Sending while an answer streams is allowed: the server interrupts it and answers the new message instead.
    const node = createMessage("user", text);
    node.classList.add("sending");
    ui.messages.appendChild(node);
    state.unconfirmed.push(node);
    const message = { type: "user_message", text, priority: ui.priority.value };
    if (!(state.socket?.readyState === WebSocket.OPEN)) {
      node.classList.add("queued");
      Object.defineProperty(message, "node", { value: node, enumerable: false });
      setStatus(t("status.notConnected"));
    }
    send(message);
    ui.input.value = "";
    autoResize();
    scrollToLatest(true);
    ui.input.focus();
  });

  ui.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      ui.composer.requestSubmit();
    } else if (event.key === "Escape" && state.current) {
      event.preventDefault();
      stopAnswer();
    }
  });

  function stopAnswer() {
    if (send({ type: "cancel" })) setStatus(t("status.stopping"));
    ui.input.focus();
  }

  ui.cancel.addEventListener("click", stopAnswer);
  ui.newChat.addEventListener("click", () => openConversation(null, { push: true }));
  ui.brand.addEventListener("click", (event) => {
    event.preventDefault();
    openConversation(null, { push: true });
  });
  ui.model.addEventListener("change", () => {
    localStorage.setItem(MODEL_STORAGE_KEY, ui.model.value);
    ui.offlineBanner.hidden = !isOfflineModel(ui.model.value);
    // A new chat's model travels in the socket's URL; nothing has been said yet, so reconnecting loses nothing.
    if (!state.conversationId) connect(0);
  });
  ui.regenerate.addEventListener("click", () => {
    const answer = lastAnswer();
    if (!answer || !send({ type: "regenerate", priority: ui.priority.value })) return;
    answer.remove();
    ui.regenerate.hidden = true;
    setStatus(t("status.regenerating"));
    ui.input.focus();
  });

  ui.generateQuestion.addEventListener("click", () => {
    state.questionPending = true;
    ui.generateQuestion.disabled = true;
    send({ type: "generate_question", priority: ui.priority.value });
    setStatus(t("status.askingQuestion"));
  });
  ui.messages.addEventListener("click", async (event) => {
    const button = event.target.closest?.(".copy-code");
    if (!button) return;
    const code = button.closest(".code-block")?.querySelector("pre")?.innerText ?? "";
    try {
      await navigator.clipboard.writeText(code);
      button.textContent = t("code.copied");
    } catch {
      button.textContent = t("code.copyFailed");
    }
    setTimeout(() => { button.textContent = t("code.copy"); }, 1500);
  });
  ui.retryNow.addEventListener("click", () => { state.reconnectAttempt = 0; reconnectNow(); });
  ui.queueDetails.addEventListener("toggle", loadQueueStats);

  // Back and forward move between conversations.
  window.addEventListener("popstate", () => {
    const id = new URLSearchParams(location.search).get("c");
    if (id !== state.conversationId) openConversation(id);
  });
  // Coming back online or to the tab: reconnect now instead of waiting out the backoff.
  const reconnectIfWaiting = () => {
    if (!state.socket && state.reconnectTimer && !document.hidden) {
      state.reconnectAttempt = 0;
      reconnectNow();
    }
  };
  window.addEventListener("online", reconnectIfWaiting);
  document.addEventListener("visibilitychange", reconnectIfWaiting);

  // ---------- narrow screens: the conversation list slides in ----------

  function openSidebar() {
    ui.app.classList.add("sidebar-open");
    ui.backdrop.hidden = false;
    ui.openSidebar.setAttribute("aria-expanded", "true");
    ui.newChat.focus();
  }

  function closeSidebar() {
    if (!ui.app.classList.contains("sidebar-open")) return;
    ui.app.classList.remove("sidebar-open");
    ui.backdrop.hidden = true;
    ui.openSidebar.setAttribute("aria-expanded", "false");
  }

  ui.openSidebar.addEventListener("click", openSidebar);
  ui.closeSidebar.addEventListener("click", () => { closeSidebar(); ui.openSidebar.focus(); });
  ui.backdrop.addEventListener("click", closeSidebar);
  ui.sidebar.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && ui.app.classList.contains("sidebar-open")) {
      closeSidebar();
      ui.openSidebar.focus();
    }
  });

  // ---------- start ----------

  (async () => {
    await loadModels();
    await Promise.all([loadConversations(), openConversation(state.conversationId)]);
    markActiveConversation();
    loadHistory();
    loadQueueStats();
    setInterval(loadQueueStats, 5000);
    setInterval(refreshRelativeTimes, 30_000);
  })();
})();
