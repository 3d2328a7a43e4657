// Every page: the theme picker (system, light or dark, remembered in this browser) and the language toggle.
"use strict";

(() => {
  const THEME_KEY = "taskflow.theme";
  const root = document.documentElement;
  const picker = document.getElementById("theme-picker");

  // "system" is no attribute at all: the stylesheet then follows prefers-color-scheme by itself.
  function applyTheme(theme) {
    root.classList.add("theme-switching");
    if (theme === "light" || theme === "dark") root.dataset.theme = theme;
    else delete root.dataset.theme;
    if (picker) picker.value = root.dataset.theme ?? "system";
    void getComputedStyle(root).color; // the new colours are computed while transitions are off
    requestAnimationFrame(() => root.classList.remove("theme-switching"));
  }

  function storedTheme() {
    try {
      return localStorage.getItem(THEME_KEY);
    } catch {
      return null; // storage switched off: the system theme, every time
    }
  }

  applyTheme(storedTheme());
  picker?.addEventListener("change", () => {
    try {
      if (picker.value === "system") localStorage.removeItem(THEME_KEY);
      else localStorage.setItem(THEME_KEY, picker.value);
    } catch {
      // Not remembered, but still applied to this page.
    }
    applyTheme(picker.value);
  });
  // Another tab changed it: follow, so two tabs never disagree.
  window.addEventListener("storage", (event) => {
    if (event.key === THEME_KEY || event.key === null) applyTheme(storedTheme());
  });

  // The chat page changes its address (?c=…) without reloading: come back to where the person is now.
  for (const form of document.querySelectorAll("form[data-language-toggle]")) {
    form.addEventListener("submit", () => { form.elements.returnUrl.value = location.pathname + location.search; });
  }
})();
