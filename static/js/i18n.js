/** Translated strings for the page's scripts. The server renders them, for the reader's
 * language, in <script type="application/json" id="i18n"> (base.html); msgids are English
 * and marked _("…") / ngettext("…", "…", n) so `make messages` extracts them.
 * Placeholders are %(name)s, as in the Python code: _("Moved %(title)s", { title }). */

const block = document.getElementById("i18n");
const data = block ? JSON.parse(block.textContent) : { locale: "fr", timezone: "Europe/Paris", messages: {} };

export const locale = data.locale || "fr";
export const timeZone = data.timezone || "Europe/Paris";
const plural = new Intl.PluralRules(locale);

function fill(text, params) {
  if (!params) return text;
  return text.replace(/%\((\w+)\)s/g, (all, name) => (name in params ? String(params[name]) : all));
}

/** The translation of ``msgid`` with its %(name)s placeholders filled from ``params``. */
export function _(msgid, params) {
  const text = data.messages[msgid];
  return fill(typeof text === "string" && text ? text : msgid, params);
}

/** The singular or plural translation for ``n`` (``n`` is also available as %(num)s). */
export function ngettext(singular, pluralText, n, params = {}) {
  const forms = data.messages[singular];
  const one = plural.select(n) === "one";
  const text = Array.isArray(forms) ? forms[one ? 0 : 1] : (one ? singular : pluralText);
  return fill(text || (one ? singular : pluralText), { num: n, ...params });
}

/** A number written for the reader's locale (1 234,5 in French). */
export function number(value, options) {
  return new Intl.NumberFormat(locale, options).format(value);
}
