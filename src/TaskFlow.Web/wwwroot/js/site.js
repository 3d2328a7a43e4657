// Every page: the language toggle.
"use strict";

(() => {
  // The chat page changes its address (?c=…) without reloading: come back to where the person is now.
  for (const form of document.querySelectorAll("form[data-language-toggle]")) {
    form.addEventListener("submit", () => { form.elements.returnUrl.value = location.pathname + location.search; });
  }
})();
