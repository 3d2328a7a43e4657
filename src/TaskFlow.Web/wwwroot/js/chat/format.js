// Times, durations, priorities and icons as the chat page shows them, in the page's language (i18n is the page's global).

const { t } = i18n;

export function formatTime(value) {
  return new Date(value).toLocaleTimeString(i18n.locale, { hour: "2-digit", minute: "2-digit" });
}

const relativeFormat = new Intl.RelativeTimeFormat(i18n.locale, { numeric: "auto" });
export function relativeTime(value) {
  const seconds = Math.round((Date.now() - new Date(value).getTime()) / 1000);
  if (seconds < 45) return t("time.justNow");
  if (seconds < 3600) return relativeFormat.format(-Math.round(seconds / 60), "minute");
  if (seconds < 86_400) return relativeFormat.format(-Math.round(seconds / 3600), "hour");
  if (seconds < 7 * 86_400) return relativeFormat.format(-Math.round(seconds / 86_400), "day");
  return new Date(value).toLocaleDateString(i18n.locale);
}

// A priority in the page's language; one newer than the page as the server says it.
export const priorityName = (priority) => (i18n.has(`priority.${priority}`) ? t(`priority.${priority}`) : priority);

export const secondsText = (ms, digits = 1) => i18n.number(ms / 1000, { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function svgIcon(paths) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  for (const d of paths) {
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", d);
    svg.appendChild(path);
  }
  return svg;
}
