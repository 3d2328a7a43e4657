// The page's words in its language. The server renders them into <script id="i18n"> from the ClientText resources
// of the request's culture; <html lang> names that culture, and every number, date and time is formatted in it.
"use strict";

const i18n = (() => {
  const texts = JSON.parse(document.getElementById("i18n")?.textContent || "{}");
  const locale = document.documentElement.lang || "en";
  const plurals = new Intl.PluralRules(locale);

  // t("status.retrying", { seconds: 2 }): {name} placeholders; a key with no text shows itself, which tests catch.
  function t(key, args = {}) {
    const text = texts[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in args ? String(args[name]) : whole));
  }

  // Counted nouns: key.one / key.other as the language's plural rules choose ({count} is the formatted number).
  function tn(key, count, args = {}) {
    const form = `${key}.${plurals.select(count)}`;
    return t(form in texts ? form : `${key}.other`, { ...args, count: number(count) });
  }

  const numberFormat = new Intl.NumberFormat(locale);
  function number(value, options) {
    return options ? new Intl.NumberFormat(locale, options).format(value) : numberFormat.format(value);
  }

  return Object.freeze({ t, tn, has: (key) => key in texts, number, locale });
})();
