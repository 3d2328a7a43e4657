// The chat page's elements, taken once before any model output is on the page, and the few things every part of the
// page does to them: the status line (with the countdown to reconnecting) and keeping the newest message in view.

const { t } = i18n;
const NEAR_BOTTOM_PX = 96;

const $ = (id) => document.getElementById(id);
export const ui = {
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

export function setStatus(text, { connection } = {}) {
  ui.status.textContent = text;
  if (connection) ui.dot.dataset.state = connection;
}

// Screen readers hear "Connection lost. Reconnecting" once; the countdown to the next try is only shown.
let countdownTimer = null;

export function showReconnectCountdown(due) {
  const countdown = document.createElement("span");
  countdown.setAttribute("aria-hidden", "true");
  setStatus(t("status.connectionLost"), { connection: "closed" });
  ui.status.appendChild(countdown);
  const tick = () => {
    countdown.textContent = t("status.reconnectCountdown", { seconds: Math.max(1, Math.ceil((due - Date.now()) / 1000)) });
  };
  tick();
  ui.retryNow.hidden = false;
  clearInterval(countdownTimer);
  countdownTimer = setInterval(tick, 250);
}

export function stopReconnectCountdown() {
  clearInterval(countdownTimer);
  ui.retryNow.hidden = true;
}

// New output scrolls into view only while the reader is at the bottom; scrolled up, they get a "jump to latest".
let stickToBottom = true;

export function scrollToLatest(force = false) {
  if (force) stickToBottom = true;
  if (stickToBottom) {
    ui.thread.scrollTop = ui.thread.scrollHeight;
    ui.jumpLatest.hidden = true;
  } else {
    ui.jumpLatest.hidden = false;
  }
}

ui.thread.addEventListener("scroll", () => {
  stickToBottom = ui.thread.scrollHeight - ui.thread.scrollTop - ui.thread.clientHeight < NEAR_BOTTOM_PX;
  if (stickToBottom) ui.jumpLatest.hidden = true;
}, { passive: true });
ui.jumpLatest.addEventListener("click", () => { scrollToLatest(true); ui.input.focus(); });
