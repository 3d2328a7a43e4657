// TaskFlow chat page: one WebSocket to the gateway's /ws, the protocol in docs/protocol.md.
"use strict";

const el = (id) => document.getElementById(id);
const state = {
  socket: null,
  conversationId: new URLSearchParams(location.search).get("c"),
  bubbles: new Map(), // generationId -> { node, text, lastSeq }
  busy: false,
};

function setStatus(text) { el("status").textContent = text; }

// The session cookie may expire while the page is open: send the person to sign in and back.
async function api(path, options) {
  const response = await fetch(path, options);
  if (response.status === 401) {
    location.href = `/Account/Login?returnUrl=${encodeURIComponent(location.pathname + location.search)}`;
    throw new Error("signed out");
  }
  return response;
}

function formatTime(value) {
  return new Date(value).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

// Text only: model output is never inserted as HTML.
function addMessage(role, text, { time = new Date(), status = "completed", extraClass = "" } = {}) {
  const node = document.createElement("div");
  node.className = `message ${role} ${extraClass}`.trim();
  node.dataset.role = role;
  const body = document.createElement("span");
  body.className = "body";
  body.textContent = text;
  node.appendChild(body);
  const stamp = document.createElement("span");
  stamp.className = "time";
  stamp.textContent = formatTime(time);
  if (status === "interrupted" || status === "cancelled") {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = status === "interrupted" ? "Interrupted" : "Cancelled";
    stamp.appendChild(badge);
  }
  node.appendChild(stamp);
  el("messages").appendChild(node);
  node.scrollIntoView({ block: "end" });
  return node;
}

function setBusy(busy) {
  state.busy = busy;
  el("send").disabled = busy;
}

async function loadModels() {
  const picker = el("model");
  try {
    const response = await api("/api/models");
    const { models, defaultModel } = await response.json();
    picker.replaceChildren(...models.map((m) => new Option(m.displayName + (m.isReachable ? "" : " (unreachable)"), m.id, false, m.id === defaultModel)));
    const chosen = models.find((m) => m.id === defaultModel);
    el("offline-banner").hidden = !(chosen && chosen.isOffline);
  } catch {
    setStatus("Could not load the model list; the chat service may be starting. Reload in a moment.");
  }
}

async function loadConversations() {
  const list = el("conversations");
  try {
    const response = await api("/api/conversations");
    const { conversations } = await response.json();
    list.replaceChildren(...conversations.map((c) => {
      const item = document.createElement("li");
      item.dataset.id = c.id;
      item.className = c.id === state.conversationId ? "active" : "";
      const title = document.createElement("div");
      title.className = "title";
      title.textContent = c.title;
      const meta = document.createElement("div");
      meta.className = "meta";
      meta.textContent = `${c.messageCount} messages · ${formatTime(c.updatedAt)} · ${c.lastMessagePreview ?? ""}`;
      item.append(title, meta);
      item.addEventListener("click", () => openConversation(c.id));
      return item;
    }));
  } catch {
    // The sidebar is a convenience; the chat works without it.
  }
}

async function openConversation(id) {
  state.conversationId = id;
  history.replaceState(null, "", id ? `?c=${id}` : location.pathname);
  el("messages").replaceChildren();
  state.bubbles.clear();
  if (id) {
    const response = await api(`/api/conversations/${id}`);
    if (response.ok) {
      const conversation = await response.json();
      for (const m of conversation.messages) {
        addMessage(m.role, m.content, { time: m.createdAt, status: m.status });
      }
    }
  }
  connect();
  loadConversations();
}

function connect() {
  if (state.socket) {
    state.socket.onclose = null;
    state.socket.close();
  }
  const query = new URLSearchParams();
  if (state.conversationId) query.set("conversationId", state.conversationId);
  else if (el("model").value) query.set("model", el("model").value);
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws?${query}`);
  state.socket = socket;
  socket.onopen = () => { setStatus("Connected"); setBusy(false); };
  socket.onclose = () => { setStatus("Disconnected. Reconnecting…"); setTimeout(connect, 2000); };
  socket.onmessage = (event) => handle(JSON.parse(event.data));
}

function bubbleFor(generationId) {
  let bubble = state.bubbles.get(generationId);
  if (!bubble) {
    const node = addMessage("assistant", "", { extraClass: "typing" });
    node.dataset.generationId = generationId;
    bubble = { node, text: "", lastSeq: 0 };
    state.bubbles.set(generationId, bubble);
  }
  return bubble;
}

function handle(event) {
  switch (event.type) {
    case "conversation_created":
      state.conversationId = event.conversationId;
      history.replaceState(null, "", `?c=${event.conversationId}`);
      el("offline-banner").hidden = !event.offline;
      setStatus(`New conversation with ${event.modelName}`);
      break;
    case "conversation_resumed":
      setStatus(`Resumed “${event.title}” (${event.model})`);
      break;
    case "title_updated":
      loadConversations();
      break;
    case "message_accepted":
      setStatus(`Queued with ${event.priority} priority`);
      break;
    case "ai_start": {
      const bubble = bubbleFor(event.generationId);
      if (event.restarted) { bubble.text = ""; bubble.node.querySelector(".body").textContent = ""; }
      setStatus("Generating…");
      setBusy(true);
      break;
    }
    case "ai_token": {
      const bubble = bubbleFor(event.generationId);
      if (event.seq <= bubble.lastSeq) break;
      bubble.lastSeq = event.seq;
      bubble.text += event.token;
      bubble.node.querySelector(".body").textContent = bubble.text;
      bubble.node.scrollIntoView({ block: "end" });
      break;
    }
    case "ai_done": {
      const bubble = bubbleFor(event.generationId);
      bubble.node.classList.remove("typing");
      bubble.node.dataset.done = "true";
      setStatus(event.tokensUsed ? `Done · ${event.tokensUsed} tokens` : "Done");
      setBusy(false);
      loadConversations();
      break;
    }
    case "ai_error": {
      if (event.generationId) {
        const bubble = state.bubbles.get(event.generationId);
        if (bubble) bubble.node.classList.remove("typing");
      }
      addMessage("assistant", event.error, { extraClass: "error" }).dataset.code = event.code;
      setStatus(`Error: ${event.code}`);
      setBusy(false);
      if (event.code === "CONVERSATION_NOT_FOUND") openConversation(null);
      break;
    }
  }
}

el("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = el("input").value.trim();
  if (!text || state.busy || !state.socket || state.socket.readyState !== WebSocket.OPEN) return;
  addMessage("user", text);
  state.socket.send(JSON.stringify({ type: "user_message", text, priority: el("priority").value }));
  el("input").value = "";
  setBusy(true);
});

el("input").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    el("composer").requestSubmit();
  }
});

el("new-chat").addEventListener("click", () => openConversation(null));

(async () => {
  await loadModels();
  await openConversation(state.conversationId);
})();
