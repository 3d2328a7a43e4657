// TaskFlow chat page: one WebSocket to the gateway's /ws (protocol: docs/protocol.md) plus the REST APIs.
"use strict";

const el = (id) => document.getElementById(id);
const state = {
  socket: null,
  conversationId: new URLSearchParams(location.search).get("c"),
  models: [],
  bubbles: new Map(), // generationId -> { node, text, lastSeq, done, kind }
  current: null, // generationId of the answer being generated
  pending: [], // events sent while the socket was still connecting
  reconnectAttempt: 0,
  reconnectTimer: null,
  typing: false,
  typingTimer: null,
};

// ---------- small helpers ----------

function setStatus(text) { el("status").textContent = text; }

function formatTime(value) {
  return new Date(value).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function relativeTime(value) {
  const seconds = Math.round((Date.now() - new Date(value).getTime()) / 1000);
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(value).toLocaleDateString();
}

// The session cookie may expire while the page is open: send the person to sign in and back.
async function api(path, options) {
  const response = await fetch(path, options);
  if (response.status === 401) {
    location.href = `/Account/Login?returnUrl=${encodeURIComponent(location.pathname + location.search)}`;
    throw new Error("signed out");
  }
  return response;
}

// Model output is Markdown rendered by marked and sanitised by DOMPurify: raw HTML from a model never reaches the page.
marked.setOptions({ gfm: true, breaks: true });
function renderMarkdown(node, text) {
  node.innerHTML = DOMPurify.sanitize(marked.parse(text), { USE_PROFILES: { html: true } });
}

// ---------- messages ----------

function addMessage(role, text, { time = new Date(), status = "completed", extraClass = "" } = {}) {
  const node = document.createElement("article");
  node.className = `message ${role} ${extraClass}`.trim();
  node.dataset.role = role;
  const body = document.createElement("div");
  body.className = "body";
  if (role === "assistant") renderMarkdown(body, text);
  else body.textContent = text;
  node.appendChild(body);
  const footer = document.createElement("footer");
  const stamp = document.createElement("time");
  stamp.className = "time";
  stamp.dateTime = new Date(time).toISOString();
  stamp.textContent = formatTime(time);
  footer.appendChild(stamp);
  node.appendChild(footer);
  setBadge(node, status);
  el("messages").appendChild(node);
  node.scrollIntoView({ block: "end" });
  return node;
}

function addNote(text, kind) {
  const node = document.createElement("div");
  node.className = `note ${kind}`;
  node.dataset.kind = kind;
  node.textContent = text;
  el("messages").appendChild(node);
  node.scrollIntoView({ block: "end" });
}

function setBadge(node, status) {
  if (status !== "interrupted" && status !== "cancelled") return;
  const footer = node.querySelector("footer");
  if (footer.querySelector(".badge")) return;
  const badge = document.createElement("span");
  badge.className = "badge";
  badge.dataset.testid = "badge";
  badge.textContent = status === "interrupted" ? "Interrupted" : "Cancelled";
  footer.appendChild(badge);
}

function bubbleFor(generationId, kind = "answer") {
  let bubble = state.bubbles.get(generationId);
  if (!bubble) {
    const node = addMessage("assistant", "", { extraClass: "waiting" });
    node.dataset.generationId = generationId;
    node.dataset.kind = kind;
    bubble = { node, text: "", lastSeq: 0, done: false, kind, frame: 0 };
    state.bubbles.set(generationId, bubble);
  }
  return bubble;
}

function scheduleRender(bubble) {
  if (bubble.frame) return;
  bubble.frame = requestAnimationFrame(() => {
    bubble.frame = 0;
    renderMarkdown(bubble.node.querySelector(".body"), bubble.text);
    bubble.node.scrollIntoView({ block: "end" });
  });
}

function finishBubble(bubble, status) {
  bubble.done = true;
  if (bubble.frame) cancelAnimationFrame(bubble.frame);
  bubble.frame = 0;
  renderMarkdown(bubble.node.querySelector(".body"), bubble.text);
  bubble.node.classList.remove("waiting", "streaming");
  bubble.node.dataset.done = "true";
  setBadge(bubble.node, status);
}

function setGenerating(generationId) {
  state.current = generationId;
  el("cancel").hidden = !generationId;
  el("job-panel").hidden = !generationId;
  if (!generationId) el("job-progress").style.width = "0%";
}

// ---------- sidebar data ----------

async function loadModels() {
  try {
    const { models, defaultModel } = await (await api("/api/models")).json();
    state.models = models;
    el("model").replaceChildren(...models.map((m) =>
      new Option(m.displayName + (m.isReachable ? "" : " (unreachable)"), m.id, false, m.id === defaultModel)));
    showOfflineBanner(defaultModel);
  } catch {
    setStatus("Could not load the model list; the chat service may be starting. Reload in a moment.");
  }
}

function showOfflineBanner(modelId) {
  const model = state.models.find((m) => m.id === modelId);
  el("offline-banner").hidden = !(model && model.isOffline);
}

async function loadConversations() {
  try {
    const { conversations } = await (await api("/api/conversations")).json();
    el("conversations").replaceChildren(...conversations.map((c) => {
      const item = document.createElement("li");
      item.dataset.id = c.id;
      item.className = c.id === state.conversationId ? "active" : "";
      const open = document.createElement("button");
      open.type = "button";
      open.className = "open";
      const title = document.createElement("span");
      title.className = "title";
      title.textContent = c.title;
      const meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = `${c.messageCount} message${c.messageCount === 1 ? "" : "s"} · ${relativeTime(c.updatedAt)}`;
      const preview = document.createElement("span");
      preview.className = "preview";
      preview.textContent = c.lastMessagePreview ?? "";
      open.append(title, meta, preview);
      open.addEventListener("click", () => openConversation(c.id));
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "delete";
      remove.title = "Delete conversation";
      remove.setAttribute("aria-label", `Delete “${c.title}”`);
      remove.dataset.testid = "delete-conversation";
      remove.textContent = "🗑";
      remove.addEventListener("click", () => deleteConversation(c));
      item.append(open, remove);
      return item;
    }));
  } catch {
    // The sidebar is a convenience; the chat works without it.
  }
}

async function deleteConversation(conversation) {
  if (!confirm(`Delete “${conversation.title}” and all its messages?`)) return;
  await api(`/api/conversations/${conversation.id}`, { method: "DELETE" });
  if (conversation.id === state.conversationId) await openConversation(null);
  else await loadConversations();
}

async function loadHistory() {
  try {
    const { jobs } = await (await api("/api/jobs")).json();
    el("history").replaceChildren(...jobs.map((job) => {
      const item = document.createElement("li");
      item.className = `job ${job.status}`;
      const what = job.kind === "answer" ? (job.conversationTitle ?? "Answer") : job.kind === "question" ? "Generated question" : "API completion";
      const duration = job.durationMs != null ? ` · ${(job.durationMs / 1000).toFixed(1)} s` : "";
      const wait = job.waitMs != null ? ` · waited ${(job.waitMs / 1000).toFixed(1)} s` : "";
      item.textContent = `${formatTime(job.createdAt)} ${what} — ${job.status} (${job.priority}, ${job.model})${wait}${duration}`;
      return item;
    }));
  } catch {
    // History is informational.
  }
}

async function loadQueueStats() {
  if (document.hidden) return;
  try {
    const stats = await (await api("/api/queue/stats")).json();
    el("queue-waiting").textContent = stats.waiting;
    el("queue-processing").textContent = stats.processing;
    el("queue-throughput").textContent = stats.throughputPerMinute;
  } catch {
    // Shown again at the next refresh.
  }
}

async function loadPerformance() {
  if (!el("performance").open || document.hidden) return;
  try {
    const stats = await (await api("/api/stats?windowMinutes=60")).json();
    el("perf-latency").textContent = stats.averageLatencyMs != null ? `${Math.round(stats.averageLatencyMs)} ms` : "–";
    el("perf-total").textContent = stats.totalRequests;
    el("perf-success").textContent = stats.successRate != null ? `${Math.round(stats.successRate * 100)} %` : "–";
    el("perf-throughput").textContent = `${stats.throughputPerMinute.toFixed(2)}/min`;
  } catch {
    // Shown again at the next refresh.
  }
}

// ---------- conversation and socket ----------

function disconnect() {
  clearTimeout(state.reconnectTimer);
  if (state.socket) {
    state.socket.onclose = null;
    state.socket.close();
    state.socket = null;
  }
}

async function openConversation(id) {
  // Close first: nothing typed while the history loads may go to the previous conversation.
  disconnect();
  state.pending = [];
  state.conversationId = id;
  history.replaceState(null, "", id ? `?c=${id}` : location.pathname);
  el("messages").replaceChildren();
  state.bubbles.clear();
  setGenerating(null);
  el("model").disabled = false;
  if (id) {
    const response = await api(`/api/conversations/${id}`);
    if (response.ok) {
      const conversation = await response.json();
      el("model").value = conversation.model;
      el("model").disabled = true;
      showOfflineBanner(conversation.model);
      for (const m of conversation.messages) {
        addMessage(m.role, m.content, { time: m.createdAt, status: m.status });
      }
    }
  } else {
    showOfflineBanner(el("model").value);
  }
  connect(0);
  loadConversations();
}

function connect(lastSeq) {
  disconnect();
  const query = new URLSearchParams();
  if (state.conversationId) {
    query.set("conversationId", state.conversationId);
    if (lastSeq > 0) query.set("lastSeq", lastSeq);
  } else if (el("model").value) {
    query.set("model", el("model").value);
  }
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws?${query}`);
  state.socket = socket;
  socket.onopen = () => {
    state.reconnectAttempt = 0;
    setStatus("Connected");
    for (const pending of state.pending.splice(0)) socket.send(JSON.stringify(pending));
  };
  socket.onclose = () => scheduleReconnect();
  socket.onmessage = (event) => handle(JSON.parse(event.data));
}

// Exponential backoff with jitter: 0.5 s doubling to 10 s. A reconnect in the middle of an answer says which token
// it saw last, so the server replays only the rest.
function scheduleReconnect() {
  const delay = Math.min(10_000, 500 * 2 ** state.reconnectAttempt) * (0.8 + Math.random() * 0.4);
  state.reconnectAttempt++;
  setStatus(`Disconnected. Reconnecting in ${Math.ceil(delay / 1000)} s…`);
  state.reconnectTimer = setTimeout(() => {
    const inFlight = state.current && state.bubbles.get(state.current);
    connect(inFlight && !inFlight.done ? inFlight.lastSeq : 0);
  }, delay);
}

function send(event) {
  if (state.socket?.readyState === WebSocket.OPEN) {
    state.socket.send(JSON.stringify(event));
    return true;
  }
  // Opening after "New chat", or reconnecting: hold it and send it as soon as the socket is open. Typing state is
  // only worth anything live.
  if (event.type !== "user_typing" && event.type !== "user_stopped_typing") {
    state.pending.push(event);
    setStatus("Connecting… your message will be sent as soon as the connection is back.");
  }
  return true;
}

function handle(event) {
  switch (event.type) {
    case "conversation_created":
      state.conversationId = event.conversationId;
      history.replaceState(null, "", `?c=${event.conversationId}`);
      el("offline-banner").hidden = !event.offline;
      el("model").value = event.model;
      el("model").disabled = true;
      setStatus(`New conversation with ${event.modelName}`);
      break;
    case "conversation_resumed":
      el("model").value = event.model;
      el("model").disabled = true;
      setStatus(`Resumed “${event.title}”`);
      break;
    case "title_updated":
      loadConversations();
      break;
    case "message_accepted":
      setGenerating(event.generationId);
      bubbleFor(event.generationId);
      el("job-position").textContent = `Queued with ${event.priority} priority`;
      setStatus("Message saved and queued");
      loadHistory();
      break;
    case "queue_position":
      if (event.generationId === state.current) {
        el("job-position").textContent = event.ahead === 0 ? "Next in line" : `${event.ahead} task${event.ahead === 1 ? "" : "s"} ahead`;
      }
      break;
    case "progress":
      if (event.generationId === state.current) el("job-progress").style.width = `${event.percent}%`;
      break;
    case "job_status":
      if (event.status === "retrying") {
        setStatus(`The model failed (${event.code}); retrying in ${(event.retryInMs / 1000).toFixed(1)} s (attempt ${event.attempt + 1})…`);
      } else if (event.status === "throttled") {
        setStatus(`Waiting ${Math.ceil(event.retryInMs / 1000)} s for the model's rate limit…`);
      }
      break;
    case "ai_start": {
      const bubble = bubbleFor(event.generationId, event.kind);
      if (event.kind === "answer") setGenerating(event.generationId);
      if (event.restarted) { bubble.text = ""; bubble.lastSeq = 0; scheduleRender(bubble); }
      el("job-position").textContent = "Generating…";
      setStatus(event.kind === "nudge" ? "" : "Generating…");
      break;
    }
    case "ai_token": {
      const bubble = state.bubbles.get(event.generationId);
      // The generation guard: tokens of an answer that was stopped, or already seen, are dropped.
      if (!bubble || bubble.done || event.seq <= bubble.lastSeq) break;
      bubble.lastSeq = event.seq;
      bubble.text += event.token;
      bubble.node.classList.remove("waiting");
      bubble.node.classList.add("streaming");
      scheduleRender(bubble);
      break;
    }
    case "ai_done": {
      const bubble = state.bubbles.get(event.generationId);
      if (bubble && !bubble.done) finishBubble(bubble, event.status);
      // A cancel ends with ai_interrupted (which already cleared "current") and then this.
      if (event.generationId === state.current || event.status === "cancelled") {
        setGenerating(null);
        setStatus(event.status === "cancelled" ? "Stopped" : event.tokensUsed ? `Done · ${event.tokensUsed} tokens` : "Done");
        loadConversations();
        loadHistory();
      }
      break;
    }
    case "ai_interrupted": {
      const bubble = state.bubbles.get(event.generationId);
      if (bubble && !bubble.done) finishBubble(bubble, event.reason);
      if (event.generationId === state.current) setGenerating(null);
      break;
    }
    case "ai_error": {
      const bubble = event.generationId && state.bubbles.get(event.generationId);
      if (bubble && !bubble.done) {
        finishBubble(bubble, "failed");
        if (!bubble.text) bubble.node.remove();
      }
      addMessage("assistant", event.error, { extraClass: "error" }).dataset.code = event.code;
      if (!event.generationId || event.generationId === state.current) setGenerating(null);
      setStatus(`Error: ${event.code}`);
      el("generate-question").disabled = false;
      if (event.code === "CONVERSATION_NOT_FOUND") openConversation(null);
      break;
    }
    case "typing_nudge":
      addNote(event.message, "typing-nudge");
      break;
    case "conversation_ended":
      addNote("This conversation ended after inactivity — send a message to continue.", "ended");
      setStatus("Conversation ended");
      break;
    case "question_suggested":
      el("input").value = event.question;
      el("input").focus();
      el("generate-question").disabled = false;
      setStatus("Here is a question you could ask — edit it or press Enter to send.");
      loadHistory();
      break;
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

el("input").addEventListener("input", () => {
  if (!state.typing && state.socket?.readyState === WebSocket.OPEN) {
    state.typing = true;
    send({ type: "user_typing" });
  }
  clearTimeout(state.typingTimer);
  state.typingTimer = setTimeout(stoppedTyping, 1500);
});

el("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = el("input").value.trim();
  if (!text) return;
  stoppedTyping();
  // Sending while an answer streams interrupts it: the server answers the new message with the old one as context.
  if (!send({ type: "user_message", text, priority: el("priority").value })) return;
  addMessage("user", text);
  el("input").value = "";
});

el("input").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    el("composer").requestSubmit();
  }
});

el("cancel").addEventListener("click", () => send({ type: "cancel" }));
el("new-chat").addEventListener("click", () => openConversation(null));
el("model").addEventListener("change", () => {
  showOfflineBanner(el("model").value);
  if (!state.conversationId) connect(0);
});
el("generate-question").addEventListener("click", () => {
  if (send({ type: "generate_question", priority: el("priority").value })) {
    el("generate-question").disabled = true;
    setStatus("Asking the model for a question…");
  }
});
el("performance").addEventListener("toggle", loadPerformance);

(async () => {
  await loadModels();
  await openConversation(state.conversationId);
  loadHistory();
  loadQueueStats();
  setInterval(loadQueueStats, 5000);
  setInterval(loadPerformance, 10_000);
})();
