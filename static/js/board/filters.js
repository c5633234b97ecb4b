/** The board's filters (text, type, label, assignee, "mine", overdue): hide the cards that do
 * not match, on every keystroke, and count the ones shown. */
import { ngettext } from "../i18n.js";
import { learnItemLabels } from "./labels.js";
import { me, root, titleOf } from "./page.js";

const filterForm = document.getElementById("filters");
const norm = (s) => s.normalize("NFD").replace(/\p{Diacritic}/gu, "").toLowerCase();
let filters = null;

function readFilters() {
  const f = filterForm.elements;
  filters = { q: norm(f.q.value.trim()), type: f.type.value, label: f.label.value,
    assignee: f.assignee.value, mine: f.mine.checked, overdue: f.overdue.checked };
  filters.active = Boolean(filters.q || filters.type || filters.label || filters.assignee || filters.mine
    || filters.overdue);
  const chosen = f.label.selectedOptions[0];
  document.getElementById("filter-label-swatch").className =
    chosen?.dataset.color ? `label-swatch label-${chosen.dataset.color}` : "label-swatch";
}

function matches(card) {
  if (!filters?.active) return true;
  const d = card.dataset;
  if (filters.type && d.type !== filters.type) return false;
  if (filters.label && !d.labels.includes(`|${filters.label}|`)) return false;
  if (filters.assignee && !d.assignees.includes(`|${filters.assignee}|`)) return false;
  if (filters.overdue && d.due !== "overdue") return false;
  if (filters.mine && d.author !== me.username && !d.assignees.includes(`|${me.username}|`)) return false;
  if (filters.q && !norm(titleOf(card)).includes(filters.q)) return false;
  return true;
}

/** Filter every card, or only ``only`` (a card just created or changed). */
export function applyFilters(only) {
  if (only) { only.hidden = !matches(only); return; }
  readFilters();
  let shown = 0;
  let total = 0;
  for (const card of root.querySelectorAll(".card")) {
    const ok = matches(card);
    card.hidden = !ok;
    total += 1;
    if (ok) shown += 1;
  }
  root.classList.toggle("filtered", filters.active);
  document.getElementById("filter-summary").textContent =
    filters.active ? ngettext("%(num)s card shown out of %(total)s", "%(num)s cards shown out of %(total)s", shown, { total }) : "";
}

/** The labels of an item seen live (created or edited) join the label filter and the panel. */
export function learnLabels(item) {
  learnItemLabels(item);
}

export function bindFilters() {
  // On a phone the filters fold away so the first column shows without scrolling.
  // board.css hides them there until now (data-ready), so nothing moves when they fold.
  const box = document.getElementById("filters-box");
  if (window.matchMedia("(max-width: 640px)").matches) box.open = false;
  box.dataset.ready = "";
  // Filtering a thousand cards takes ~10 ms: do it on every keystroke, at once (no timer to wait for).
  filterForm.addEventListener("input", () => applyFilters());
  filterForm.addEventListener("change", () => applyFilters());
  filterForm.addEventListener("submit", (e) => e.preventDefault());
}
