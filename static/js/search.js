/** The header's search box: results while typing (debounced, a newer query aborts the
 * one in flight) in a listbox under the box, following the ARIA combobox pattern —
 * ArrowDown/ArrowUp choose a result, Enter opens it (its board, its panel open), Escape
 * closes the list (then folds the box on a phone). Enter without a chosen result opens
 * the full results page. The snippets are the server's safe HTML: every character
 * escaped there, the matching words in <mark>. */
import { _, ngettext } from "./i18n.js";

const DELAY_MS = 200;
const LIMIT = 8;

const form = document.getElementById("site-search");
const input = document.getElementById("search-input");
const list = document.getElementById("search-results");
const status = document.getElementById("search-status");
const toggle = document.getElementById("search-toggle");

let timer = null;
let inFlight = null;
let options = [];
let active = -1;
let lastQuery = "";

function boardLink(item) {
  return `/groups/${item.group_id}/board?item=${item.id}`;
}

function pageLink(q) {
  return `${form.dataset.page}?q=${encodeURIComponent(q)}`;
}

function setOpen(open) {
  list.hidden = !open;
  input.setAttribute("aria-expanded", String(open));
  if (!open) choose(-1);
}

function choose(index) {
  options.forEach((el, n) => el.setAttribute("aria-selected", String(n === index)));
  active = index;
  if (index >= 0 && options[index]) {
    input.setAttribute("aria-activedescendant", options[index].id);
    options[index].scrollIntoView({ block: "nearest" });
  } else {
    input.removeAttribute("aria-activedescendant");
  }
}

function option(id, href, build) {
  const li = document.createElement("li");
  li.id = id;
  li.setAttribute("role", "option");
  li.setAttribute("aria-selected", "false");
  li.dataset.href = href;
  li.className = "search-option";
  build(li);
  li.addEventListener("mousedown", (evt) => evt.preventDefault()); // keep the focus in the box
  li.addEventListener("click", () => { window.location.assign(href); });
  return li;
}

function htmlPart(tag, className, html) {
  const el = document.createElement(tag);
  el.className = className;
  el.innerHTML = html; // the server's escaped text with <mark> around the matches
  return el;
}

function textPart(tag, className, text) {
  const el = document.createElement(tag);
  el.className = className;
  el.textContent = text;
  return el;
}

function render(q, data) {
  list.replaceChildren();
  options = [];
  data.results.forEach((hit, n) => {
    options.push(option(`search-option-${n}`, boardLink(hit.item), (li) => {
      li.append(htmlPart("span", "search-title", hit.title_html),
        textPart("span", "search-meta", `${hit.group_name} · ${hit.state_label}`));
      if (hit.snippet) li.append(htmlPart("span", "search-snippet", hit.snippet));
    }));
  });
  if (data.results.length === 0) {
    const empty = textPart("li", "search-empty", _("No item matches “%(query)s”.", { query: q }));
    empty.setAttribute("role", "presentation");
    list.append(empty);
  } else if (data.total > data.results.length) {
    options.push(option("search-option-all", pageLink(q), (li) => {
      li.classList.add("search-all");
      li.textContent = ngettext("See all %(num)s results", "See all %(num)s results", data.total);
    }));
  }
  list.append(...options);
  status.textContent = ngettext("%(num)s result", "%(num)s results", data.total);
  setOpen(true);
}

async function run(q) {
  if (inFlight) inFlight.abort();
  const controller = new AbortController();
  inFlight = controller;
  const url = `${form.dataset.api}?q=${encodeURIComponent(q)}&limit=${LIMIT}`;
  try {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" },
      signal: controller.signal });
    if (!response.ok) throw new Error(String(response.status));
    const data = await response.json();
    if (controller === inFlight && q === input.value.trim()) render(q, data);
  } catch (err) {
    if (err.name === "AbortError") return;
    list.replaceChildren(textPart("li", "search-empty", _("The search is unavailable for a moment.")));
    setOpen(true);
  } finally {
    if (controller === inFlight) inFlight = null;
  }
}

function schedule() {
  const q = input.value.trim();
  clearTimeout(timer);
  if (q === lastQuery && !list.hidden) return;
  lastQuery = q;
  if (!q) {
    if (inFlight) inFlight.abort();
    list.replaceChildren();
    options = [];
    status.textContent = "";
    setOpen(false);
    return;
  }
  timer = setTimeout(() => run(q), DELAY_MS);
}

function expand(open) {
  form.classList.toggle("expanded", open);
  toggle.setAttribute("aria-expanded", String(open));
  if (open) input.focus();
}

input.addEventListener("input", schedule);
input.addEventListener("focus", () => { if (options.length && input.value.trim()) setOpen(true); });
input.addEventListener("keydown", (evt) => {
  if (evt.key === "ArrowDown" || evt.key === "ArrowUp") {
    evt.preventDefault();
    if (list.hidden) {
      if (options.length) setOpen(true);
      return;
    }
    if (!options.length) return;
    // Down from the last result comes back to the first; Up from the first returns to the box.
    let next = active + (evt.key === "ArrowDown" ? 1 : -1);
    if (next >= options.length) next = 0;
    else if (next < -1) next = options.length - 1;
    choose(next);
  } else if (evt.key === "Enter") {
    if (!list.hidden && active >= 0 && options[active]) {
      evt.preventDefault();
      window.location.assign(options[active].dataset.href);
    } else if (!input.value.trim()) {
      evt.preventDefault();
    }
  } else if (evt.key === "Escape") {
    if (!list.hidden) {
      evt.preventDefault();
      setOpen(false);
    } else if (form.classList.contains("expanded")) {
      expand(false);
      toggle.focus();
    }
  }
});
form.addEventListener("focusout", (evt) => {
  if (form.contains(evt.relatedTarget)) return;
  setOpen(false);
  if (!input.value.trim() && form.classList.contains("expanded")) expand(false);
});
toggle.addEventListener("click", () => expand(!form.classList.contains("expanded")));
