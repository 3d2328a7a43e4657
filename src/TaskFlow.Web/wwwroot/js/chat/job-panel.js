// The job panel above the composer: where the answer being written stands (queued, its place in the queue, writing,
// retrying) and how far along it is, with the buttons that depend on it.

import { lastAnswer } from "./messages.js";
import { priorityName, secondsText } from "./format.js";
import { setStatus, ui } from "./page.js";

const { t, tn } = i18n;

// Screen readers hear an answer once it is complete, not every re-render of it.
export function updateBusy({ streaming, current }) {
  ui.messages.setAttribute("aria-busy", String(streaming));
  ui.regenerate.hidden = streaming || Boolean(current) || !lastAnswer();
}

// generationId: the answer being generated (or queued), null when there is none.
export function showGenerating(generationId, streaming) {
  ui.cancel.hidden = !generationId;
  ui.jobPanel.hidden = !generationId;
  ui.send.title = generationId ? t("send.interruptTitle") : "";
  if (!generationId) {
    setProgress(0);
    if (ui.cancel.contains(document.activeElement)) ui.input.focus();
  }
  updateBusy({ streaming, current: generationId });
}

export function setProgress(percent) {
  ui.jobProgress.style.width = `${percent}%`;
  ui.jobProgressbar.setAttribute("aria-valuenow", String(percent));
}

export function showQueued(priority) {
  ui.jobPosition.textContent = t("job.queuedWith", { priority: priorityName(priority) });
  setStatus(t("status.queued"));
}

// Returns how the place in the queue is said, for the answer's own bubble too.
export function showQueuePosition(ahead) {
  const text = ahead === 0 ? t("queue.nextInLine") : tn("queue.ahead", ahead);
  ui.jobPosition.textContent = t("job.inQueue", { position: text });
  setStatus(t("status.waitingInQueue", { position: text }));
  return text;
}

export function showJobStatus({ status, code, retryInMs, attempt }) {
  if (status === "retrying") {
    setStatus(t("status.retrying", { code, seconds: secondsText(retryInMs), attempt: i18n.number(attempt + 1) }));
  } else if (status === "throttled") {
    setStatus(t("status.throttled", { seconds: i18n.number(Math.ceil(retryInMs / 1000)) }));
  } else {
    setStatus(t("status.delayed"));
  }
}

export function showWriting(restarted) {
  ui.jobPosition.textContent = t("status.writing");
  setStatus(restarted ? t("status.restarted") : t("status.writing"));
}
