// Settings page: the signed-in user's API keys for the OpenAI-compatible endpoint.
import { api } from "./api.js";

const el = (id) => document.getElementById(id);
el("base-url").textContent = `${location.origin}/v1`;

function when(value) {
  return value ? new Date(value).toLocaleString(i18n.locale) : i18n.t("settings.never");
}

async function loadKeys() {
  const response = await api("/api/keys");
  const keys = await response.json();
  el("keys").replaceChildren(...keys.map((key) => {
    const row = document.createElement("tr");
    row.className = key.revokedAt ? "revoked" : "";
    for (const text of [key.name, key.prefix, when(key.createdAt), key.revokedAt ? i18n.t("settings.revokedAt", { time: when(key.revokedAt) }) : when(key.lastUsedAt)]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.appendChild(cell);
    }
    const action = document.createElement("td");
    if (!key.revokedAt) {
      const revoke = document.createElement("button");
      revoke.type = "button";
      revoke.className = "secondary";
      revoke.textContent = i18n.t("settings.revoke");
      revoke.dataset.testid = "revoke-key";
      revoke.addEventListener("click", async () => {
        if (!confirm(i18n.t("settings.confirmRevoke", { name: key.name }))) return;
        await api(`/api/keys/${key.id}`, { method: "DELETE" });
        loadKeys();
      });
      action.appendChild(revoke);
    }
    row.appendChild(action);
    return row;
  }));
}

el("new-key").addEventListener("submit", async (event) => {
  event.preventDefault();
  const response = await api("/api/keys", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name: el("key-name").value }),
  });
  const body = await response.json();
  if (!response.ok) {
    // The server's reason is English; the page says in its own language that it failed, and why if the server said.
    alert(body.error ? `${i18n.t("settings.createFailed")}\n${body.error}` : i18n.t("settings.createFailed"));
    return;
  }
  el("secret-value").textContent = body.key;
  el("new-key-secret").hidden = false;
  el("key-name").value = "";
  loadKeys();
});

loadKeys();
