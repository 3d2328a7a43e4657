// Model output as the page shows it: Markdown rendered by marked and sanitised by DOMPurify, so a model can neither
// run script nor make its text look like the page's own controls, with the page's code-block bar and streaming cursor.
// marked, DOMPurify and i18n are the page's globals (loaded before the modules).

const { t } = i18n;

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

marked.use({
  gfm: true,
  breaks: true,
  renderer: {
    // A model's image would be fetched by the browser the moment it is shown: a way to send data to any server.
    // Images become plain links the person can choose to open.
    image({ href, text }) {
      const label = text || href || t("markdown.image");
      return href ? `<a href="${escapeHtml(href)}">${escapeHtml(t("markdown.imageLink", { label }))}</a>` : escapeHtml(label);
    },
  },
});

const PURIFY_OPTIONS = {
  USE_PROFILES: { html: true },
  // No media, forms or styles from a model; no ids or names either (they could shadow the page's own elements).
  FORBID_TAGS: ["img", "picture", "source", "video", "audio", "iframe", "object", "embed", "form", "input", "button",
    "textarea", "select", "option", "style", "link", "meta", "base", "svg", "math", "dialog", "details"],
  FORBID_ATTR: ["id", "name", "style", "srcset", "action", "formaction", "tabindex", "autofocus"],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
};

DOMPurify.addHook("uponSanitizeAttribute", (node, data) => {
  // Classes could make model text look like the page's own UI (a fake badge, a fake user message). The only class
  // kept is the language of a fenced code block.
  if (data.attrName === "class") {
    data.keepAttr = node.nodeName === "CODE" && /^language-[\w+#.-]{1,32}$/.test(data.attrValue);
  }
});
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.nodeName === "A" && node.hasAttribute("href")) {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
});

export function renderMarkdown(body, text) {
  body.innerHTML = DOMPurify.sanitize(marked.parse(text), PURIFY_OPTIONS);
}

// Code blocks get a language label and a copy button (our own elements, added after sanitising).
export function decorateCodeBlocks(body) {
  for (const pre of body.querySelectorAll("pre")) {
    if (pre.parentElement?.classList.contains("code-block")) continue;
    const code = pre.querySelector("code");
    const language = code?.className.match(/language-([\w+#.-]+)/)?.[1] ?? "";
    const wrapper = document.createElement("div");
    wrapper.className = "code-block";
    const bar = document.createElement("div");
    bar.className = "code-bar";
    const label = document.createElement("span");
    label.textContent = language || t("code.label");
    const copy = document.createElement("button");
    copy.type = "button";
    copy.className = "copy-code";
    copy.textContent = t("code.copy");
    copy.setAttribute("aria-label", t("code.copyLabel", { language: language || t("code.label") }));
    bar.append(label, copy);
    pre.replaceWith(wrapper);
    wrapper.append(bar, pre);
  }
}

// The streaming cursor goes after the last character written, however deep in the Markdown it is.
function lastMeaningfulChild(node) {
  let child = node.lastChild;
  while (child && child.nodeType === Node.TEXT_NODE && !child.textContent.trim()) child = child.previousSibling;
  return child;
}

export function placeCursor(body) {
  let target = body;
  for (let child = lastMeaningfulChild(target); child?.nodeType === Node.ELEMENT_NODE && !child.matches("br, hr"); child = lastMeaningfulChild(target)) {
    target = child;
  }
  const cursor = document.createElement("span");
  cursor.className = "cursor";
  cursor.setAttribute("aria-hidden", "true");
  target.appendChild(cursor);
}
