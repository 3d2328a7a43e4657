// TaskFlow chat page: one WebSocket to the gateway's /ws (protocol: docs/protocol.md) plus the REST APIs. Vanilla JS,
// no framework; every word the page says comes from i18n (i18n.js), in the page's language.
// What each socket event does to the conversation is decided by chat/conversation-state.js (pure, unit-tested); this
// module keeps that state, opens conversations and draws the effects through the page's parts (chat/messages.js,
// chat/job-panel.js, chat/sidebar.js, chat/composer.js), over the connection of chat/socket-client.js.

import { api, signedOut } from "./api.js";
import { createComposer } from "./chat/composer.js";
import * as Conversation from "./chat/conversation-state.js";
import * as JobPanel from "./chat/job-panel.js";
import * as Messages from "./chat/messages.js";
import { scrollToLatest, setStatus, showReconnectCountdown, stopReconnectCountdown, ui } from "./chat/page.js";
import { createSidebar } from "./chat/sidebar.js";
import { ChatConnection, socketUrl } from "./chat/socket-client.js";

const { t, tn } = i18n;

// What the conversation is (which answer is in flight, its text, what is shown) lives in `conv`, changed only by
// conversation-state.js through dispatch.
let conv = Conversation.initialState(new URLSearchParams(location.search).get("c"));
let loading = false;
let openToken = 0; // increases with every conversation switch; late responses for an older one are dropped
let nextLocalId = 1;

const connection = new ChatConnection({
  url: (lastSeq) => socketUrl(location, {
    conversationId: conv.conversationId, lastSeq, model: ui.model.value, language: document.documentElement.lang,
  }),
  resumeSeq: () => Conversation.resumeSeq(conv),
  on: {
    connecting: (again) => { stopReconnectCountdown(); setStatus(again ? t("status.reconnecting") : t("status.connecting"), { connection: "connecting" }); },
    open: () => setStatus(t("status.connected"), { connection: "open" }),
    message: (event) => dispatch(Conversation.reduce(conv, event)),
    // /ws refuses a signed-out browser before the upgrade, which a WebSocket cannot see: the REST API sends it to sign in.
    closedBeforeOpen: () => api("/api/models").catch(() => {}),
    reconnecting: showReconnectCountdown,
  },
});
const sidebar = createSidebar({ currentId: () => conv.conversationId, open: openConversation, renamed: setTitle });
const composer = createComposer({
  connection,
  busy: () => loading,
  submit: sendMessage,
  stop: stopAnswer,
  answering: () => Boolean(conv.current),
  newChat: () => !conv.conversationId,
});

// ---------- the title ----------

function setTitle(title) {
  ui.title.textContent = title || t("title.newChat");
  document.title = `${title || t("title.newChat")} · TaskFlow`;
}

// ---------- conversations ----------

function setLoading(value) {
  loading = value;
  connection.hold(value);
  ui.thread.classList.toggle("loading", value);
  ui.send.disabled = value;
  ui.messages.setAttribute("aria-busy", String(value));
}

// Opens a conversation (or a new chat when id is null): history from REST first, then the socket. The history
// holds only finished messages; an answer still being written arrives over the socket, from its first token.
async function openConversation(id, { push = false, focus = true } = {}) {
  const token = ++openToken;
  // Close first: nothing typed while the history loads may go to the previous conversation.
  connection.close();
  stopReconnectCountdown();
  composer.stoppedTyping();
  Messages.clearMessages();
  scrollToLatest(true);
  conv = Conversation.conversationOpened(conv, id);
  JobPanel.showGenerating(null, false);
  const url = id ? `?c=${encodeURIComponent(id)}` : location.pathname;
  if (push && location.search !== (id ? url : "")) history.pushState({ c: id }, "", url);
  else history.replaceState({ c: id }, "", url);
  setTitle(id ? sidebar.titleOf(id) ?? t("title.conversation") : null);
  sidebar.markActive();
  sidebar.close();

  let reconcileOnResume = Boolean(id);
  let messages = [];
  if (id) {
    setLoading(true);
    try {
      const response = await api(`/api/conversations/${encodeURIComponent(id)}`);
      if (token !== openToken) return;
      if (response.status === 404) {
        setLoading(false);
        await openConversation(null, { focus });
        Messages.addNote(t("note.missing"), "missing");
        return;
      }
      if (response.ok) {
        const stored = await response.json();
        if (token !== openToken) return;
        setTitle(stored.title);
        composer.showConversationModel(stored.model);
        messages = stored.messages;
        // Complete history and nothing pending: no need to compare again after connecting.
        reconcileOnResume = stored.messages.at(-1)?.role === "user";
      } else {
        setStatus(t("status.historyFailed"));
      }
    } catch (error) {
      if (signedOut(error) || token !== openToken) return;
      setStatus(t("status.historyFailed"));
    } finally {
      if (token === openToken) setLoading(false);
    }
  } else {
    setTitle(null);
    composer.enableModelPicker();
  }
  dispatch(Conversation.historyLoaded(conv, messages, { reconcileOnResume }));
  JobPanel.updateBusy({ streaming: Conversation.isStreaming(conv), current: conv.current });
  scrollToLatest(true);
  connection.connect(0);
  if (focus) ui.input.focus();
}

// After (re)connecting: what finished while we were not listening is in the stored history (conversation-state.js
// adds what is missing, by id, so a token is never shown twice).
async function reconcile() {
  const token = openToken;
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
  if (token !== openToken) return;
  setTitle(stored.title);
  dispatch(Conversation.historyReconciled(conv, stored.messages));
}

// ---------- what the person does ----------

function sendMessage(text) {
  const localId = nextLocalId++;
  const queued = !connection.isOpen;
  const node = Messages.addSentMessage(localId, text, { queued });
  conv = Conversation.userMessageSent(conv, localId, text);
  if (queued) setStatus(t("status.notConnected"));
  connection.send({ type: "user_message", text, priority: composer.priority }, () => node.classList.remove("queued"));
}

function stopAnswer() {
  if (connection.send({ type: "cancel" })) setStatus(t("status.stopping"));
  ui.input.focus();
}

ui.regenerate.addEventListener("click", () => {
  const answer = Messages.lastAnswer();
  if (!answer || !connection.send({ type: "regenerate", priority: composer.priority })) return;
  answer.remove();
  ui.regenerate.hidden = true;
  setStatus(t("status.regenerating"));
  ui.input.focus();
});
ui.generateQuestion.addEventListener("click", () => {
  conv = Conversation.questionRequested(conv);
  ui.generateQuestion.disabled = true;
  connection.send({ type: "generate_question", priority: composer.priority });
  setStatus(t("status.askingQuestion"));
});
ui.newChat.addEventListener("click", () => openConversation(null, { push: true }));
ui.brand.addEventListener("click", (event) => {
  event.preventDefault();
  openConversation(null, { push: true });
});
ui.retryNow.addEventListener("click", () => connection.reconnectNow());
// Back and forward move between conversations.
window.addEventListener("popstate", () => {
  const id = new URLSearchParams(location.search).get("c");
  if (id !== conv.conversationId) openConversation(id);
});
// Coming back online or to the tab: reconnect now instead of waiting out the backoff.
const reconnectIfWaiting = () => {
  if (connection.isWaiting && !document.hidden) connection.reconnectNow();
};
window.addEventListener("online", reconnectIfWaiting);
document.addEventListener("visibilitychange", reconnectIfWaiting);

// ---------- server events ----------

// Every change of the conversation goes through here: the new state, then what it asks the page to show.
function dispatch(next) {
  conv = next;
  for (const effect of next.effects) show(effect);
}

function show(effect) {
  const id = effect.generationId;
  switch (effect.type) {
    case "conversation_created":
      history.replaceState({ c: effect.conversationId }, "", `?c=${encodeURIComponent(effect.conversationId)}`);
      composer.showConversationModel(effect.model, effect.offline);
      setStatus(t("status.newConversation", { model: effect.modelName }));
      break;
    case "conversation_resumed":
      composer.showConversationModel(effect.model);
      if (effect.title) setTitle(effect.title);
      setStatus(effect.reconnected ? t("status.reconnected") : t("status.connected"), { connection: "open" });
      break;
    case "reconcile": reconcile(); break;
    case "title_updated":
      if (effect.current) setTitle(effect.title);
      sidebar.load();
      break;
    case "message_added": {
      const m = effect.message;
      Messages.addMessage(m.role, m.content, { time: m.createdAt, status: m.status, id: m.id, before: effect.before });
      break;
    }
    case "user_message_confirmed": Messages.confirmSent(effect.localId, effect.messageId); break;
    case "user_message_rejected":
      Messages.rejectSent(effect.localId);
      composer.fill(effect.text, { onlyIfEmpty: true }); // to be sent again
      break;
    case "generating": JobPanel.showGenerating(id, effect.streaming); break;
    case "busy": JobPanel.updateBusy(effect); break;
    case "bubble_created": Messages.createBubble(id, effect.kind); break;
    case "bubble_waiting": Messages.showWaiting(id); break;
    case "bubble_text": Messages.scheduleRender(id, () => conv.generations[id]); break;
    case "bubble_finished": Messages.finishBubble(id, conv.generations[id], effect.status); break;
    case "bubble_stored": Messages.markStored(id, effect.messageId); break;
    case "bubble_removed": Messages.removeBubble(id); break;
    case "queued":
      if (effect.label) Messages.setQueuedLabel(id, t("job.queued"));
      JobPanel.showQueued(effect.priority);
      sidebar.loadHistory();
      break;
    case "queue_position": {
      const text = JobPanel.showQueuePosition(effect.ahead);
      if (effect.label) Messages.setQueuedLabel(id, text);
      break;
    }
    case "progress": JobPanel.setProgress(effect.percent); break;
    case "job_status": JobPanel.showJobStatus(effect); break;
    case "greeting_started":
      ui.greeting.textContent = "";
      ui.greeting.hidden = false;
      break;
    case "greeting_token": ui.greeting.textContent += effect.token; break;
    case "writing": JobPanel.showWriting(effect.restarted); break;
    case "answer_done":
      if (effect.announce) {
        setStatus(effect.status === "cancelled" ? t("status.stopped") : effect.tokensUsed ? tn("status.doneTokens", effect.tokensUsed) : t("status.done"));
      }
      sidebar.load();
      sidebar.loadHistory();
      break;
    case "answer_stopped": setStatus(effect.cancelled ? t("status.stopped") : t("status.interrupted")); break;
    case "question_ended": ui.generateQuestion.disabled = false; break;
    case "question_suggested":
      ui.generateQuestion.disabled = false;
      composer.fill(effect.question);
      ui.input.focus();
      setStatus(t("status.questionSuggested"));
      sidebar.loadHistory();
      break;
    case "error":
      if (effect.conversationMissing) openConversation(null, { push: true }).then(() => Messages.addNote(Messages.errorMessage(effect), "missing"));
      else Messages.addError(effect);
      break;
    case "note": Messages.addNote(effect.text, effect.kind); break;
    case "conversation_ended":
      Messages.addNote(t("note.ended"), "ended");
      setStatus(t("status.ended"));
      break;
  }
}

// ---------- start ----------

(async () => {
  await composer.loadModels();
  await Promise.all([sidebar.load(), openConversation(conv.conversationId)]);
  sidebar.markActive();
  sidebar.loadHistory();
  sidebar.loadQueueStats();
})();
