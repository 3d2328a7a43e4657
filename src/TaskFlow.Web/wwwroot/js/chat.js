// TaskFlow chat page: one WebSocket to the gateway's /ws (protocol: docs/protocol.md) plus the REST APIs.
// Vanilla JS, no framework. Model output is Markdown rendered by marked and sanitised by DOMPurify; everything a
// person typed is shown as plain text. Every word the page says comes from i18n (i18n.js), in the page's language.
// What each socket event does to the conversation is decided by chat/conversation-state.js (pure, unit-tested);
// this module draws its effects.

import { api, signedOut } from "./api.js";
import * as Conversation from "./chat/conversation-state.js";
import { formatTime, relativeTime, secondsText, svgIcon } from "./chat/format.js";
import { decorateCodeBlocks, placeCursor, renderMarkdown } from "./chat/markdown.js";

const { t, tn } = i18n;
// ---------- constants ----------

const TYPING_IDLE_MS = 1500;
const RECONNECT_BASE_MS = 500;
const RECONNECT_MAX_MS = 10_000;
const NEAR_BOTTOM_PX = 96;
const MODEL_STORAGE_KEY = "taskflow.model";

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

// What the conversation is (which answer is in flight, its text, what is shown) lives in `conv`, changed only by
// conversation-state.js; the rest of `state` is this page's own machinery.
let conv = Conversation.initialState(new URLSearchParams(location.search).get("c"));
const state = {
  socket: null,
  socketOpened: false, // the current socket reached "open" (a close before that may mean "signed out")
  conversationTitle: null,
  models: [],
  defaultModel: null,
  conversations: [],
  bubbles: new Map(), // generationId -> { node, body, frame }: the page's element of each generation with one
  userMessages: new Map(), // local id -> element of a user message not yet acknowledged by message_accepted
  nextLocalId: 1,
  pending: [], // events to send as soon as the socket is open
  loading: false,
  openToken: 0, // increases with every conversation switch; late responses for an older one are dropped
  reconnectAttempt: 0,
  reconnectTimer: null,
  countdownTimer: null,
  typing: false,
  typingTimer: null,
  stickToBottom: true,
};

// ---------- small helpers ----------

function setStatus(text, { connection } = {}) {
  ui.status.textContent = text;
  if (connection) ui.dot.dataset.state = connection;
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
function insertMessageNode(node, { before = null } = {}) {
  const live = before ? state.bubbles.get(before)?.node : null;
  ui.messages.insertBefore(node, live?.isConnected ? live : null);
}

function createMessage(role, text, { time = new Date(), status = "completed", id = null, kind = null } = {}) {
  const node = document.createElement("article");
  node.className = `message ${role}`;
  node.dataset.role = role;
  if (kind || role === "assistant") node.dataset.kind = kind ?? "answer";
  if (id) {
    node.dataset.messageId = id;
    node.dataset.done = "true";
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

// The element of a generation the page shows (conversation-state.js decides which get one).
function createBubble(generationId, kind) {
  const node = createMessage("assistant", "", { kind });
  node.classList.add("waiting");
  node.dataset.generationId = generationId;
  const body = node.querySelector(".body");
  body.appendChild(typingIndicator());
  ui.messages.appendChild(node);
  state.bubbles.set(generationId, { node, body, frame: 0 });
  scrollToLatest();
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

function setQueuedLabel(generationId, label) {
  state.bubbles.get(generationId).body.replaceChildren(typingIndicator(label));
}

function renderBubble(generationId) {
  const bubble = state.bubbles.get(generationId);
  const { text, phase } = conv.generations[generationId];
  renderMarkdown(bubble.body, text);
  if (phase !== "done") placeCursor(bubble.body);
  else decorateCodeBlocks(bubble.body);
  scrollToLatest();
}

// Re-rendering the whole answer at most once a frame keeps long answers smooth.
function scheduleRender(generationId) {
  const bubble = state.bubbles.get(generationId);
  if (bubble.node.classList.contains("waiting")) {
    bubble.node.classList.remove("waiting");
    bubble.node.classList.add("streaming");
  }
  if (bubble.frame) return;
  bubble.frame = requestAnimationFrame(() => {
    bubble.frame = 0;
    if (conv.generations[generationId]?.phase !== "done") renderBubble(generationId);
  });
}

function showWaiting(generationId) {
  const bubble = state.bubbles.get(generationId);
  bubble.node.classList.remove("streaming");
  bubble.node.classList.add("waiting");
  bubble.body.replaceChildren(typingIndicator());
}

function finishBubble(generationId, status) {
  const bubble = state.bubbles.get(generationId);
  if (bubble.frame) cancelAnimationFrame(bubble.frame);
  bubble.frame = 0;
  bubble.node.classList.remove("waiting", "streaming");
  bubble.node.dataset.done = "true";
  if (conv.generations[generationId].text) {
    renderBubble(generationId);
  } else {
    bubble.body.replaceChildren();
    const empty = document.createElement("p");
    empty.className = "empty-answer";
    empty.textContent = status === "completed" ? t("message.noAnswer") : t("message.stoppedBeforeAnswer");
    bubble.body.appendChild(empty);
  }
  setBadge(bubble.node, status);
}

function removeBubble(generationId) {
  const bubble = state.bubbles.get(generationId);
  if (bubble.frame) cancelAnimationFrame(bubble.frame);
  bubble.node.remove();
  state.bubbles.delete(generationId);
}

// Screen readers hear an answer once it is complete, not every re-render of it. The state given is the one at the
// step of an event that asked for this.
function updateBusy({ streaming, current } = { streaming: Conversation.isStreaming(conv), current: conv.current }) {
  ui.messages.setAttribute("aria-busy", String(streaming));
  ui.regenerate.hidden = streaming || Boolean(current) || !lastAnswer();
}

// The conversation's last turn, when it is a finished answer: what "Regenerate" replaces.
function lastAnswer() {
  const turns = ui.messages.querySelectorAll(".message.user, .message.assistant[data-kind=answer]");
  const last = turns[turns.length - 1];
  return last?.classList.contains("assistant") && last.dataset.done === "true" ? last : null;
}

function showGenerating(generationId, streaming = Conversation.isStreaming(conv)) {
  ui.cancel.hidden = !generationId;
  ui.jobPanel.hidden = !generationId;
  ui.send.title = generationId ? t("send.interruptTitle") : "";
  if (!generationId) {
    setProgress(0);
    if (ui.cancel.contains(document.activeElement)) ui.input.focus();
  }
  updateBusy({ streaming, current: generationId });
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
    if (!signedOut(error)) setStatus(t("status.modelsFailed"));
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
    const active = c.id === conv.conversationId;
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
      if (c.id !== conv.conversationId) openConversation(c.id, { push: true });
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
    const active = item.dataset.id === conv.conversationId;
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
    if (!signedOut(error)) setStatus(t("status.renameFailed"));
    return;
  }
  if (!response.ok) {
    setStatus(t("status.renameFailed"));
    return;
  }
  conversation.title = (await response.json()).title;
  if (conversation.id === conv.conversationId) setTitle(conversation.title);
}

async function deleteConversation(conversation) {
  if (!confirm(t("conversation.confirmDelete", { title: conversation.title || t("title.untitled") }))) return;
  const index = state.conversations.findIndex((c) => c.id === conversation.id);
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
  state.conversations = state.conversations.filter((c) => c.id !== conversation.id);
  renderConversations();
  if (conversation.id === conv.conversationId) {
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

function resetConversationView(id) {
  for (const bubble of state.bubbles.values()) if (bubble.frame) cancelAnimationFrame(bubble.frame);
  state.bubbles.clear();
  state.userMessages.clear();
  state.pending = [];
  state.stickToBottom = true;
  ui.messages.replaceChildren();
  ui.jumpLatest.hidden = true;
  conv = Conversation.conversationOpened(conv, id);
  showGenerating(null);
}

// Opens a conversation (or a new chat when id is null): history from REST first, then the socket. The history
// holds only finished messages; an answer still being written arrives over the socket, from its first token.
async function openConversation(id, { push = false, focus = true } = {}) {
  const token = ++state.openToken;
  // Close first: nothing typed while the history loads may go to the previous conversation.
  disconnect();
  stoppedTyping();
  resetConversationView(id);
  const url = id ? `?c=${encodeURIComponent(id)}` : location.pathname;
  if (push && location.search !== (id ? url : "")) history.pushState({ c: id }, "", url);
  else history.replaceState({ c: id }, "", url);
  setTitle(id ? state.conversations.find((c) => c.id === id)?.title ?? t("title.conversation") : null);
  markActiveConversation();
  closeSidebar();

  let reconcileOnResume = Boolean(id);
  let messages = [];
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
        const stored = await response.json();
        if (token !== state.openToken) return;
        setTitle(stored.title);
        showConversationModel(stored.model);
        messages = stored.messages;
        // Complete history and nothing pending: no need to compare again after connecting.
        reconcileOnResume = stored.messages.at(-1)?.role === "user";
      } else {
        setStatus(t("status.historyFailed"));
      }
    } catch (error) {
      if (signedOut(error) || token !== state.openToken) return;
      setStatus(t("status.historyFailed"));
    } finally {
      if (token === state.openToken) setLoading(false);
    }
  } else {
    setTitle(null);
    enableModelPicker();
  }
  dispatch(Conversation.historyLoaded(conv, messages, { reconcileOnResume }));
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
  const id = conv.conversationId;
  if (!id) return;
  let stored;
  try {
    const response = await api(`/api/conversations/${encodeURIComponent(id)}`);
    if (!response.ok) return;
    stored = await response.json();
  } catch {
    return;
  }
  if (token !== state.openToken) return;
  setTitle(stored.title);
  dispatch(Conversation.historyReconciled(conv, stored.messages));
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
  if (conv.conversationId) {
    query.set("conversationId", conv.conversationId);
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
  connect(Conversation.resumeSeq(conv));
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

// Every change of the conversation goes through here: the new state, then what it asks the page to show.
function dispatch(next) {
  conv = next;
  for (const effect of next.effects) show(effect);
}

const handle = (event) => dispatch(Conversation.reduce(conv, event));

function show(effect) {
  const id = effect.generationId;
  switch (effect.type) {
    case "conversation_created":
      history.replaceState({ c: effect.conversationId }, "", `?c=${encodeURIComponent(effect.conversationId)}`);
      showConversationModel(effect.model, effect.offline);
      setStatus(t("status.newConversation", { model: effect.modelName }));
      break;
    case "conversation_resumed":
      showConversationModel(effect.model);
      if (effect.title) setTitle(effect.title);
      setStatus(effect.reconnected ? t("status.reconnected") : t("status.connected"), { connection: "open" });
      break;
    case "reconcile":
      reconcile();
      break;
    case "title_updated":
      if (effect.current) setTitle(effect.title);
      loadConversations();
      break;
    case "message_added": {
      const m = effect.message;
      addMessage(m.role, m.content, { time: m.createdAt, status: m.status, id: m.id, before: effect.before });
      break;
    }
    case "user_message_confirmed": {
      const node = state.userMessages.get(effect.localId);
      state.userMessages.delete(effect.localId);
      node.dataset.messageId = effect.messageId;
      node.classList.remove("sending");
      break;
    }
    case "user_message_rejected": {
      const node = state.userMessages.get(effect.localId);
      state.userMessages.delete(effect.localId);
      node.classList.remove("sending");
      setBadge(node, "unsent");
      // Give the text back so it can be sent again.
      if (!ui.input.value.trim()) {
        ui.input.value = effect.text;
        autoResize();
      }
      break;
    }
    case "generating": showGenerating(id, effect.streaming); break;
    case "busy": updateBusy(effect); break;
    case "bubble_created": createBubble(id, effect.kind); break;
    case "bubble_waiting": showWaiting(id); break;
    case "bubble_text": scheduleRender(id); break;
    case "bubble_finished": finishBubble(id, effect.status); break;
    case "bubble_stored": state.bubbles.get(id).node.dataset.messageId = effect.messageId; break;
    case "bubble_removed": removeBubble(id); break;
    case "queued":
      if (effect.label) setQueuedLabel(id, t("job.queued"));
      ui.jobPosition.textContent = t("job.queuedWith", { priority: priorityName(effect.priority) });
      setStatus(t("status.queued"));
      loadHistory();
      break;
    case "queue_position": {
      const text = effect.ahead === 0 ? t("queue.nextInLine") : tn("queue.ahead", effect.ahead);
      ui.jobPosition.textContent = t("job.inQueue", { position: text });
      if (effect.label) setQueuedLabel(id, text);
      setStatus(t("status.waitingInQueue", { position: text }));
      break;
    }
    case "progress": setProgress(effect.percent); break;
    case "job_status":
      if (effect.status === "retrying") {
        setStatus(t("status.retrying", { code: effect.code, seconds: secondsText(effect.retryInMs), attempt: i18n.number(effect.attempt + 1) }));
      } else if (effect.status === "throttled") {
        setStatus(t("status.throttled", { seconds: i18n.number(Math.ceil(effect.retryInMs / 1000)) }));
      } else {
        setStatus(t("status.delayed"));
      }
      break;
    case "greeting_started":
      ui.greeting.textContent = "";
      ui.greeting.hidden = false;
      break;
    case "greeting_token": ui.greeting.textContent += effect.token; break;
    case "writing":
      ui.jobPosition.textContent = t("status.writing");
      setStatus(effect.restarted ? t("status.restarted") : t("status.writing"));
      break;
    case "answer_done":
      if (effect.announce) {
        setStatus(effect.status === "cancelled" ? t("status.stopped") : effect.tokensUsed ? tn("status.doneTokens", effect.tokensUsed) : t("status.done"));
      }
      loadConversations();
      loadHistory();
      break;
    case "answer_stopped": setStatus(effect.cancelled ? t("status.stopped") : t("status.interrupted")); break;
    case "question_ended": ui.generateQuestion.disabled = false; break;
    case "question_suggested":
      ui.generateQuestion.disabled = false;
      ui.input.value = effect.question;
      autoResize();
      ui.input.focus();
      setStatus(t("status.questionSuggested"));
      loadHistory();
      break;
    case "error": showError(effect); break;
    case "note": addNote(effect.text, effect.kind); break;
    case "conversation_ended":
      addNote(t("note.ended"), "ended");
      setStatus(t("status.ended"));
      break;
  }
}

function showError(event) {
  if (event.conversationMissing) {
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
  const localId = state.nextLocalId++;
  state.userMessages.set(localId, node);
  conv = Conversation.userMessageSent(conv, localId, text);
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
  } else if (event.key === "Escape" && conv.current) {
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
  if (!conv.conversationId) connect(0);
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
  conv = Conversation.questionRequested(conv);
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
  if (id !== conv.conversationId) openConversation(id);
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
  await Promise.all([loadConversations(), openConversation(conv.conversationId)]);
  markActiveConversation();
  loadHistory();
  loadQueueStats();
  setInterval(loadQueueStats, 5000);
  setInterval(refreshRelativeTimes, 30_000);
})();
