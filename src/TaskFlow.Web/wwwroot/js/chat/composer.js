// The composer: the message field (Enter sends, Shift+Enter breaks the line, Escape stops the answer), the typing
// state the server hears, and the model and priority pickers.

import { api, signedOut } from "../api.js";
import { setStatus, ui } from "./page.js";

const { t } = i18n;
const TYPING_IDLE_MS = 1500;
const MODEL_STORAGE_KEY = "taskflow.model";

// connection: the page's ChatConnection. busy(): a conversation is loading, nothing can be sent. submit(text): the
// person sent text. stop(): asked to stop the answer being written. answering(): an answer is being written.
// newChat(): no conversation yet, so the model can still change.
export function createComposer({ connection, busy, submit, stop, answering, newChat }) {
  let models = [];
  let typing = false;
  let typingTimer = null;

  async function loadModels() {
    try {
      const response = await api("/api/models");
      const { models: offered, defaultModel } = await response.json();
      models = offered;
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

  const isOffline = (modelId) => models.find((m) => m.id === modelId)?.isOffline === true;

  // A conversation keeps the model it started with.
  function showConversationModel(modelId, offline) {
    if (modelId && ![...ui.model.options].some((o) => o.value === modelId)) {
      ui.model.appendChild(new Option(modelId, modelId)); // a model no worker advertises any more
    }
    if (modelId) ui.model.value = modelId;
    ui.model.disabled = true;
    ui.model.closest(".chip").title = t("model.ofConversation");
    ui.offlineBanner.hidden = !(offline ?? isOffline(modelId));
  }

  function enableModelPicker() {
    ui.model.disabled = false;
    ui.model.closest(".chip").title = t("model.forNewConversation");
    ui.offlineBanner.hidden = !isOffline(ui.model.value);
  }

  function stoppedTyping() {
    clearTimeout(typingTimer);
    if (typing) {
      typing = false;
      connection.send({ type: "user_stopped_typing" });
    }
  }

  function autoResize() {
    ui.input.style.height = "auto";
    ui.input.style.height = `${Math.min(ui.input.scrollHeight, Math.round(window.innerHeight * 0.4))}px`;
  }

  // Puts text in the field (a suggested question, or a message the server refused, to send again).
  function fill(text, { onlyIfEmpty = false } = {}) {
    if (onlyIfEmpty && ui.input.value.trim()) return;
    ui.input.value = text;
    autoResize();
  }

  ui.input.addEventListener("input", () => {
    autoResize();
    // user_typing on the first keystroke after a pause; user_stopped_typing after 1.5 s without one.
    if (!typing && ui.input.value && connection.isOpen) typing = connection.send({ type: "user_typing" });
    clearTimeout(typingTimer);
    if (typing) typingTimer = setTimeout(stoppedTyping, TYPING_IDLE_MS);
  });

  ui.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    if (busy()) return;
    const text = ui.input.value.trim();
    if (!text) {
      ui.input.focus();
      return;
    }
    stoppedTyping();
    // Sending while an answer streams is allowed: the server interrupts it and answers the new message instead.
    submit(text);
    fill("");
    ui.input.focus();
  });

  ui.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      ui.composer.requestSubmit();
    } else if (event.key === "Escape" && answering()) {
      event.preventDefault();
      stop();
    }
  });

  ui.cancel.addEventListener("click", stop);

  ui.model.addEventListener("change", () => {
    localStorage.setItem(MODEL_STORAGE_KEY, ui.model.value);
    ui.offlineBanner.hidden = !isOffline(ui.model.value);
    // A new chat's model travels in the socket's URL; nothing has been said yet, so reconnecting loses nothing.
    if (newChat()) connection.connect(0);
  });

  return {
    loadModels, showConversationModel, enableModelPicker, stoppedTyping, fill,
    get priority() { return ui.priority.value; },
  };
}
