// The chat page's one WebSocket to the gateway's /ws (protocol: docs/protocol.md): opening it, holding what the person
// sends until it is open, and reconnecting with backoff when it drops. No DOM: the page is told what happens through
// the `on` hooks, and the socket, timers and clock can be given, so tests/TaskFlow.UnitTests runs it without a browser.

export const RECONNECT_BASE_MS = 500;
export const RECONNECT_MAX_MS = 10_000;

// Close codes (TaskFlow.Contracts' SocketCloseCodes). The conversation does not exist: the ai_error before it said so.
export const CONVERSATION_NOT_FOUND = 4404;
// The server's replica is going away (a rollout, a scale-in): reconnect now, to one that stays. Every page it held
// gets this at once, so each waits a random part of RESTART_SPREAD_MS rather than all arriving together.
export const SERVICE_RESTART = 1012;
export const RESTART_SPREAD_MS = 2_000;
const OPEN = 1; // WebSocket.OPEN, which exists only in browsers

// What the person asked for is held while the socket opens and sent then. Typing state is only worth anything live,
// and a cancel is decided again when the answer is seen again.
const HELD_TYPES = new Set(["user_message", "generate_question", "regenerate"]);

// Exponential backoff with jitter: 0.5 s doubling to 10 s, each ±25 %, so reconnecting pages do not arrive together.
export function reconnectDelay(attempt, random = Math.random) {
  const base = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** attempt);
  return Math.round(base * (0.75 + random() * 0.5));
}

// The socket's address on the page's host. A conversation is resumed after token lastSeq when above 0; a new chat
// names its model. The language is for the server's own words (the idle and typing nudges).
export function socketUrl({ protocol, host }, { conversationId, lastSeq = 0, model, language }) {
  const query = [];
  if (conversationId) {
    query.push(["conversationId", conversationId]);
    if (lastSeq > 0) query.push(["lastSeq", String(lastSeq)]);
  } else if (model) {
    query.push(["model", model]);
  }
  if (language) query.push(["lang", language]);
  const search = query.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("&");
  return `${protocol === "https:" ? "wss" : "ws"}://${host}/ws${search ? `?${search}` : ""}`;
}

export class ChatConnection {
  #url; #resumeSeq; #on; #createSocket; #timers; #now; #random;
  #socket = null;
  #opened = false; // the current socket reached "open" (a close before that may mean "signed out")
  #timer = null;
  #held = [];
  #holding = false;
  #attempt = 0;

  // url(lastSeq): the socket's address, resuming after token lastSeq when above 0. resumeSeq(): the last token seen.
  // on: { connecting(again), open(), message(event), closedBeforeOpen(), reconnecting(dueAt) }, each optional.
  constructor({ url, resumeSeq, on = {}, createSocket = (address) => new WebSocket(address), timers = globalThis, now = Date.now, random = Math.random }) {
    this.#url = url;
    this.#resumeSeq = resumeSeq;
    this.#on = on;
    this.#createSocket = createSocket;
    this.#timers = timers;
    this.#now = now;
    this.#random = random;
  }

  get isOpen() {
    return this.#socket?.readyState === OPEN && !this.#holding;
  }

  // No socket, and a reconnect is scheduled.
  get isWaiting() {
    return !this.#socket && this.#timer !== null;
  }

  connect(lastSeq = 0) {
    this.#detach();
    const socket = this.#createSocket(this.#url(lastSeq));
    this.#socket = socket;
    this.#opened = false;
    this.#on.connecting?.(this.#attempt > 0);
    socket.onopen = () => {
      this.#opened = true;
      this.#attempt = 0;
      this.#on.open?.();
      this.#flush();
    };
    socket.onclose = (event) => {
      this.#socket = null;
      if (event.code === CONVERSATION_NOT_FOUND) return;
      if (!this.#opened) this.#on.closedBeforeOpen?.();
      if (event.code === SERVICE_RESTART) {
        this.#attempt = 0;
        this.#scheduleReconnect(Math.round(this.#random() * RESTART_SPREAD_MS));
        return;
      }
      this.#scheduleReconnect();
    };
    socket.onmessage = (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      this.#on.message?.(data);
    };
  }

  // Closes the socket for good (another conversation is opening): nothing held is sent any more.
  close() {
    this.#detach();
    this.#held = [];
  }

  // While the page loads a conversation's history nothing is sent, so nothing can be said to the wrong conversation.
  hold(holding) {
    this.#holding = holding;
    this.#flush();
  }

  // Sends now, or holds it until the socket opens when the person asked for it. onSent(event) is called when a held
  // event goes out. False when it was dropped.
  send(event, onSent) {
    if (this.isOpen) {
      this.#socket.send(JSON.stringify(event));
      return true;
    }
    if (!HELD_TYPES.has(event.type)) return false;
    this.#held.push({ event, onSent });
    if (!this.#socket && this.#timer === null && !this.#holding) this.connect(0);
    return true;
  }

  // Now rather than at the end of the backoff: the person asked, or the browser came back online or to the tab.
  reconnectNow() {
    this.#attempt = 0;
    this.#clearTimer();
    this.connect(this.#resumeSeq());
  }

  #flush() {
    if (!this.isOpen) return;
    for (const { event, onSent } of this.#held.splice(0)) {
      this.#socket.send(JSON.stringify(event));
      onSent?.(event);
    }
  }

  // A reconnect in the middle of an answer says which token it saw last, so the server replays only the rest.
  #scheduleReconnect(delay = reconnectDelay(this.#attempt++, this.#random)) {
    this.#clearTimer();
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = null;
      this.connect(this.#resumeSeq());
    }, delay);
    this.#on.reconnecting?.(this.#now() + delay);
  }

  #clearTimer() {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #detach() {
    this.#clearTimer();
    const socket = this.#socket;
    this.#socket = null;
    if (!socket) return;
    socket.onclose = null;
    socket.onmessage = null;
    socket.onopen = null;
    socket.close();
  }
}
