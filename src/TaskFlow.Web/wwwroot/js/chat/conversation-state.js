// What each chat socket event (docs/protocol.md) and each stored-history load does to the conversation on the page.
// Pure: no DOM, no socket, no timers, no globals, so tests/TaskFlow.UnitTests runs it without a browser. Every call
// returns a new state whose `effects` say what the page must now show; chat.js draws them and never changes the state
// itself. Words are not chosen here: effects name what happened, and the page says it in its language.

import {
  addMessage, apply, bubbleFor, busy, confirm, emit, finish, isStreaming, knownOrAdopted, markShown, setGenerating, update, waitingLabel,
} from "./conversation-steps.js";

export { isStreaming };

// Errors that reject the message just sent (it was not stored): the person may send it again.
export const REJECTED_MESSAGE_CODES = Object.freeze([
  "INVALID_MESSAGE", "MESSAGE_TOO_LARGE", "TOO_MANY_MESSAGES", "MODEL_NOT_FOUND", "NO_WORKER",
  "STORAGE_UNAVAILABLE", "TOO_MANY_JOBS",
]);

export function initialState(conversationId = null) {
  return Object.freeze({
    conversationId,
    everConnected: false, // for this conversation: a later conversation_resumed is a reconnect
    reconcileOnResume: false, // compare with the stored history once the socket has resumed the conversation
    adoptNextGeneration: false, // after a resume: the first unknown generation is this conversation's answer in flight
    questionPending: false,
    current: null, // generationId of the answer being generated (or queued)
    greeting: null, // { generationId, text }: streams into the empty conversation, never stored
    // generationId -> { kind, text, lastSeq, phase (waiting|streaming|done), status, onPage, messageId }
    generations: {},
    shown: {}, // ids of finished messages on the page (an assistant message's id is its generation id)
    unconfirmed: [], // { localId, text } of user messages sent but not yet acknowledged by message_accepted
    job: null, // the current job: { ahead, position, percent, priority, held } as the server last said
    effects: [],
  });
}

// The page's own steps, which change what later events mean.
export function conversationOpened(state, conversationId) {
  return Object.freeze({ ...initialState(conversationId), greeting: state.greeting, questionPending: state.questionPending });
}

export const historyLoaded = (state, messages, { reconcileOnResume }) => apply(state, (s) => {
  for (const m of messages) addMessage(s, m, false);
  s.reconcileOnResume = reconcileOnResume;
});

export const userMessageSent = (state, localId, text) =>
  apply(state, (s) => { s.unconfirmed = [...s.unconfirmed, { localId, text }]; });

export const questionRequested = (state) => apply(state, (s) => { s.questionPending = true; });

// After (re)connecting: what finished while the page was not listening is in the stored history. Ids make this
// idempotent, so nothing is shown twice.
export const historyReconciled = (state, messages) => apply(state, (s) => {
  for (const m of messages) {
    if (s.shown[m.id]) continue;
    const g = s.generations[m.id];
    // An answer that failed before its first word was replaced by the error: its stored message is not added either.
    if (g?.onPage || g?.discarded) {
      if (g.phase !== "done") {
        update(s, m.id, { text: m.content });
        finish(s, m.id, m.status);
        if (s.current === m.id) setGenerating(s, null);
      }
      markShown(s, m.id, m.id);
      continue;
    }
    if (m.role === "user") {
      // Our own message whose message_accepted was missed while disconnected.
      const local = s.unconfirmed.find((u) => u.text === m.content);
      if (local) {
        s.unconfirmed = s.unconfirmed.filter((u) => u !== local);
        confirm(s, local, m.id);
        continue;
      }
    }
    addMessage(s, m, true);
  }
});

// The position of the last token seen of the answer in flight: a reconnect asks the server for the rest only.
export function resumeSeq(state) {
  const g = state.current && state.generations[state.current];
  return g && g.phase !== "done" && Number.isFinite(g.lastSeq) ? g.lastSeq : 0;
}

export const reduce = (state, event) => apply(state, (s) => {
  const handler = handlers[event?.type];
  if (handler) handler(s, event);
});

const handlers = {
  conversation_created(s, e) {
    s.conversationId = e.conversationId;
    s.everConnected = true;
    emit(s, "conversation_created", { conversationId: e.conversationId, model: e.model, modelName: e.modelName, offline: e.offline });
  },

  conversation_resumed(s, e) {
    const reconnected = s.everConnected;
    s.everConnected = true;
    s.adoptNextGeneration = !s.current;
    emit(s, "conversation_resumed", { model: e.model, title: e.title || null, reconnected });
    if (reconnected || s.reconcileOnResume) emit(s, "reconcile");
    s.reconcileOnResume = false;
  },

  title_updated: (s, e) => emit(s, "title_updated", { title: e.title, current: e.conversationId === s.conversationId }),

  message_accepted(s, e) {
    const [local, ...rest] = s.unconfirmed;
    if (local) {
      s.unconfirmed = rest;
      confirm(s, local, e.messageId);
    }
    s.adoptNextGeneration = false;
    setGenerating(s, e.generationId);
    bubbleFor(s, e.generationId);
    s.job = { ...s.job, priority: e.priority };
    emit(s, "queued", { generationId: e.generationId, priority: e.priority, label: waitingLabel(s, e.generationId) });
  },

  queue_position(s, e) {
    knownOrAdopted(s, e.generationId);
    if (e.generationId !== s.current) return;
    s.job = { ...s.job, ahead: e.ahead, position: e.position };
    emit(s, "queue_position", { generationId: e.generationId, ahead: e.ahead, label: waitingLabel(s, e.generationId) });
  },

  progress(s, e) {
    knownOrAdopted(s, e.generationId);
    if (e.generationId !== s.current) return;
    s.job = { ...s.job, percent: e.percent };
    emit(s, "progress", { percent: e.percent });
  },

  job_status(s, e) {
    if (!["retrying", "throttled", "delayed"].includes(e.status)) return;
    if (e.generationId === s.current) s.job = { ...s.job, held: e.status };
    emit(s, "job_status", { status: e.status, code: e.code, retryInMs: e.retryInMs, attempt: e.attempt });
  },

  ai_start(s, e) {
    if (e.kind === "greeting") {
      s.greeting = { generationId: e.generationId, text: "" };
      emit(s, "greeting_started");
      return;
    }
    const kind = e.kind === "nudge" ? "nudge" : "answer";
    const g = kind === "answer" ? (knownOrAdopted(s, e.generationId) ?? bubbleFor(s, e.generationId)) : bubbleFor(s, e.generationId, kind);
    if (kind === "answer") {
      s.adoptNextGeneration = false;
      if (g.phase !== "done") setGenerating(s, e.generationId);
      s.job = { ...s.job, held: null };
      emit(s, "writing", { restarted: Boolean(e.restarted) });
    }
    // Between ai_start and the first token: the three dots. A restart throws the partial text away.
    if (g.onPage && g.phase !== "done" && (e.restarted || !g.text)) {
      update(s, e.generationId, { text: "", phase: "waiting" });
      emit(s, "bubble_waiting", { generationId: e.generationId });
    }
    busy(s);
  },

  ai_token(s, e) {
    if (s.greeting && e.generationId === s.greeting.generationId) {
      s.greeting = { ...s.greeting, text: s.greeting.text + e.token };
      emit(s, "greeting_token", { token: e.token });
      return;
    }
    const g = s.generations[e.generationId] ?? knownOrAdopted(s, e.generationId);
    // The generation guard: only the answer being generated (or the idle check-in) is shown, each token once.
    if (!g || g.phase === "done" || !g.onPage) return;
    if (g.kind === "answer" && e.generationId !== s.current) return;
    if (!(e.seq > g.lastSeq)) return;
    update(s, e.generationId, { lastSeq: e.seq, text: g.text + e.token, phase: "streaming" });
    emit(s, "bubble_text", { generationId: e.generationId });
  },

  ai_done(s, e) {
    if (s.greeting && e.generationId === s.greeting.generationId) return;
    const g = s.generations[e.generationId];
    if (g) {
      finish(s, e.generationId, e.status);
      markShown(s, e.generationId, e.messageId);
    }
    const wasCurrent = e.generationId === s.current;
    if (wasCurrent) setGenerating(s, null);
    if (g?.kind === "nudge") return;
    emit(s, "answer_done", { status: e.status, tokensUsed: e.tokensUsed ?? null, announce: wasCurrent || e.status === "cancelled" });
  },

  ai_interrupted(s, e) {
    const g = s.generations[e.generationId];
    if (g?.onPage && g.phase !== "done") {
      // Keep what was on screen; if this page saw nothing of it (a reload), show what the server stored.
      if (!g.text && e.partialContent) update(s, e.generationId, { text: e.partialContent });
      finish(s, e.generationId, e.reason === "cancelled" ? "cancelled" : "interrupted");
    }
    if (e.generationId === s.current) setGenerating(s, null);
    emit(s, "answer_stopped", { cancelled: e.reason === "cancelled" });
  },

  ai_error(s, e) {
    const g = e.generationId ? s.generations[e.generationId] : undefined;
    if (g?.onPage && g.phase !== "done") {
      if (g.text) {
        finish(s, e.generationId, "failed");
      } else {
        update(s, e.generationId, { phase: "done", onPage: false, discarded: true });
        emit(s, "bubble_removed", { generationId: e.generationId });
      }
    }
    if (!e.generationId && REJECTED_MESSAGE_CODES.includes(e.code)) {
      const [local, ...rest] = s.unconfirmed;
      if (local) {
        s.unconfirmed = rest;
        emit(s, "user_message_rejected", { localId: local.localId, text: local.text });
      }
    }
    if (e.generationId && e.generationId === s.current) setGenerating(s, null);
    if (s.questionPending && (!g || !e.generationId)) {
      s.questionPending = false;
      emit(s, "question_ended");
    }
    emit(s, "error", { code: e.code, error: e.error, conversationMissing: e.code === "CONVERSATION_NOT_FOUND" });
  },

  typing_nudge: (s, e) => emit(s, "note", { kind: "typing-nudge", text: e.message }),

  conversation_ended(s, e) {
    if (e.conversationId && e.conversationId !== s.conversationId) return;
    emit(s, "conversation_ended");
  },

  question_suggested(s, e) {
    s.questionPending = false;
    emit(s, "question_suggested", { question: e.question });
  },
};
