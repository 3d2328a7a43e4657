// The steps conversation-state.js builds its events from. Each works on `s`, the new state still being built (a
// shallow copy made by apply), and never on the state it was given.


// Whether any bubble on the page is still being written.
export const isStreaming = (state) => Object.values(state.generations).some((g) => g.onPage && g.phase !== "done");

export function apply(state, change) {
  const s = { ...state, generations: { ...state.generations }, effects: [] };
  change(s);
  return Object.freeze(s);
}

export const emit = (s, type, fields = {}) => { s.effects.push({ type, ...fields }); };

export const update = (s, id, patch) => (s.generations[id] = Object.freeze({ ...s.generations[id], ...patch }));

export function setGenerating(s, generationId) {
  s.current = generationId;
  if (!generationId) s.job = null;
  emit(s, "generating", { generationId, streaming: isStreaming(s) });
}

// Whether anything is being written, and what is in flight, at this point of the event (the page's busy state).
export const busy = (s) => emit(s, "busy", { streaming: isStreaming(s), current: s.current });

// The bubble of one generation. An answer already on the page (from the history) is never shown twice: its
// generation id is its message id, so its events land on a generation that is already done and has no bubble.
export function bubbleFor(s, id, kind = "answer") {
  const known = s.generations[id];
  if (known) return known;
  if (s.shown[id]) return update(s, id, { kind, text: "", lastSeq: Infinity, phase: "done", status: null, onPage: false, messageId: null });
  emit(s, "bubble_created", { generationId: id, kind });
  return update(s, id, { kind, text: "", lastSeq: 0, phase: "waiting", status: null, onPage: true, messageId: null });
}

export function knownOrAdopted(s, id) {
  if (s.generations[id]) return s.generations[id];
  // After a resume, the first generation heard of is this conversation's answer in flight (a reload while it was
  // queued or being written).
  if (s.adoptNextGeneration && !s.questionPending) {
    s.adoptNextGeneration = false;
    const g = bubbleFor(s, id);
    if (g.phase !== "done") setGenerating(s, id);
    return g;
  }
  return null;
}

export function finish(s, id, status) {
  const g = s.generations[id];
  if (!g.onPage || g.phase === "done") return;
  update(s, id, { phase: "done", status });
  emit(s, "bubble_finished", { generationId: id, status });
  busy(s);
}

export function markShown(s, id, messageId) {
  if (!messageId) return;
  const alreadyShown = Boolean(s.shown[messageId]);
  s.shown = { ...s.shown, [messageId]: true };
  const g = s.generations[id];
  if (!g.onPage) return;
  // The same answer is already on the page (loaded from the history while it finished): keep that one.
  if (alreadyShown && g.messageId !== messageId) {
    update(s, id, { onPage: false });
    emit(s, "bubble_removed", { generationId: id });
  } else {
    update(s, id, { messageId });
    emit(s, "bubble_stored", { generationId: id, messageId });
  }
}

export function confirm(s, local, messageId) {
  s.shown = { ...s.shown, [messageId]: true };
  emit(s, "user_message_confirmed", { localId: local.localId, messageId });
}

// A stored message the page did not show yet. One found while an answer streams goes before that answer, so the
// order stays the conversation's order.
export function addMessage(s, m, beforeLive) {
  s.shown = { ...s.shown, [m.id]: true };
  const live = beforeLive ? Object.entries(s.generations).find(([, g]) => g.onPage && g.phase !== "done")?.[0] : null;
  emit(s, "message_added", { message: m, before: live ?? null });
}

// What the waiting bubble says: only a bubble still waiting for its first word shows the queue.
export function waitingLabel(s, id) {
  const g = s.generations[id];
  return Boolean(g?.onPage && g.phase !== "done" && !g.text);
}
