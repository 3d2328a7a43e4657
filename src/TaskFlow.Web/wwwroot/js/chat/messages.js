// The conversation's messages on the page: stored and sent messages, the bubble of each answer being written, notes
// and errors. Model output is Markdown rendered by marked and sanitised by DOMPurify; what a person typed is plain text.
// What to draw is decided by conversation-state.js; this module only draws it.

import { formatTime } from "./format.js";
import { decorateCodeBlocks, placeCursor, renderMarkdown } from "./markdown.js";
import { scrollToLatest, setStatus, ui } from "./page.js";

const { t } = i18n;
const BADGES = new Set(["interrupted", "cancelled", "failed", "unsent"]);

// generationId -> { node, body, frame }: the page's element of each generation that has one.
const bubbles = new Map();
// local id -> element of a user message sent but not yet acknowledged by message_accepted.
const unconfirmed = new Map();

// Messages from REST are inserted before any answer still streaming, so the order stays the conversation's order.
function insertMessageNode(node, { before = null } = {}) {
  const live = before ? bubbles.get(before)?.node : null;
  ui.messages.insertBefore(node, live?.isConnected ? live : null);
}

export function createMessage(role, text, { time = new Date(), status = "completed", id = null, kind = null } = {}) {
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

export function addMessage(role, text, options = {}) {
  const node = createMessage(role, text, options);
  insertMessageNode(node, options);
  scrollToLatest();
  return node;
}

export function addNote(text, kind) {
  const node = document.createElement("div");
  node.className = `note ${kind}`;
  node.dataset.kind = kind;
  node.setAttribute("role", "note");
  node.textContent = text;
  ui.messages.appendChild(node);
  scrollToLatest();
  return node;
}

export function setBadge(node, status) {
  if (!BADGES.has(status)) return;
  const footer = node.querySelector("footer");
  footer.querySelector(".badge")?.remove();
  const badge = document.createElement("span");
  badge.className = `badge ${status}`;
  badge.dataset.testid = "badge";
  badge.textContent = t(`badge.${status}`);
  footer.appendChild(badge);
  node.dataset.status = status;
}

// The conversation's last turn, when it is a finished answer: what "Regenerate" replaces.
export function lastAnswer() {
  const turns = ui.messages.querySelectorAll(".message.user, .message.assistant[data-kind=answer]");
  const last = turns[turns.length - 1];
  return last?.classList.contains("assistant") && last.dataset.done === "true" ? last : null;
}

export function clearMessages() {
  for (const bubble of bubbles.values()) if (bubble.frame) cancelAnimationFrame(bubble.frame);
  bubbles.clear();
  unconfirmed.clear();
  ui.messages.replaceChildren();
}

// ---------- what the person sent ----------

// Shown at once, marked as sending until the server confirms it, and as queued while the socket is not open.
export function addSentMessage(localId, text, { queued }) {
  const node = createMessage("user", text);
  node.classList.add("sending");
  if (queued) node.classList.add("queued");
  ui.messages.appendChild(node);
  unconfirmed.set(localId, node);
  scrollToLatest(true);
  return node;
}

export function confirmSent(localId, messageId) {
  const node = unconfirmed.get(localId);
  unconfirmed.delete(localId);
  node.dataset.messageId = messageId;
  node.classList.remove("sending");
}

export function rejectSent(localId) {
  const node = unconfirmed.get(localId);
  unconfirmed.delete(localId);
  node.classList.remove("sending");
  setBadge(node, "unsent");
}

// ---------- the bubble of a generation ----------

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

export function createBubble(generationId, kind) {
  const node = createMessage("assistant", "", { kind });
  node.classList.add("waiting");
  node.dataset.generationId = generationId;
  const body = node.querySelector(".body");
  body.appendChild(typingIndicator());
  ui.messages.appendChild(node);
  bubbles.set(generationId, { node, body, frame: 0 });
  scrollToLatest();
}

export function setQueuedLabel(generationId, label) {
  bubbles.get(generationId).body.replaceChildren(typingIndicator(label));
}

function renderBubble(bubble, { text, phase }) {
  renderMarkdown(bubble.body, text);
  if (phase !== "done") placeCursor(bubble.body);
  else decorateCodeBlocks(bubble.body);
  scrollToLatest();
}

// Re-rendering the whole answer at most once a frame keeps long answers smooth; `generation` gives the answer as it
// is when the frame comes.
export function scheduleRender(generationId, generation) {
  const bubble = bubbles.get(generationId);
  if (bubble.node.classList.contains("waiting")) {
    bubble.node.classList.remove("waiting");
    bubble.node.classList.add("streaming");
  }
  if (bubble.frame) return;
  bubble.frame = requestAnimationFrame(() => {
    bubble.frame = 0;
    const now = generation();
    if (now && now.phase !== "done") renderBubble(bubble, now);
  });
}

export function showWaiting(generationId) {
  const bubble = bubbles.get(generationId);
  bubble.node.classList.remove("streaming");
  bubble.node.classList.add("waiting");
  bubble.body.replaceChildren(typingIndicator());
}

export function finishBubble(generationId, generation, status) {
  const bubble = bubbles.get(generationId);
  if (bubble.frame) cancelAnimationFrame(bubble.frame);
  bubble.frame = 0;
  bubble.node.classList.remove("waiting", "streaming");
  bubble.node.dataset.done = "true";
  if (generation.text) {
    renderBubble(bubble, generation);
  } else {
    bubble.body.replaceChildren();
    const empty = document.createElement("p");
    empty.className = "empty-answer";
    empty.textContent = status === "completed" ? t("message.noAnswer") : t("message.stoppedBeforeAnswer");
    bubble.body.appendChild(empty);
  }
  setBadge(bubble.node, status);
}

export function markStored(generationId, messageId) {
  bubbles.get(generationId).node.dataset.messageId = messageId;
}

export function removeBubble(generationId) {
  const bubble = bubbles.get(generationId);
  if (bubble.frame) cancelAnimationFrame(bubble.frame);
  bubble.node.remove();
  bubbles.delete(generationId);
}

// ---------- errors ----------

export function addError(event) {
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
export function errorMessage(event) {
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

// Code blocks of answers have a copy button.
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
