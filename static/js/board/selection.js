/** Selecting several cards for a bulk action (bulk-bar.js acts on them): a checkbox on each
 * card, shown on hover or focus (always on a touch screen, and once a card is selected);
 * Shift-click or Shift+Space on a checkbox selects the range from the last one ticked; once
 * a card is selected, Space on any focused card toggles it (Enter still opens it); Escape
 * clears the selection. The selection follows the board: a card that leaves it leaves the
 * selection. */
import { announce } from "../dom.js";
import { ngettext } from "../i18n.js";
import { config, root } from "./page.js";

const visibleCards = () => [...root.querySelectorAll("ol.cards > .card")].filter((c) => !c.hidden);
const boxOf = (card) => card.querySelector(".card-select");

export class Selection {
  constructor(cards) {
    this.cards = cards;
    this.ids = new Set();
    this.anchor = null;        // the id of the last card ticked by hand (a range starts there)
    this.onChange = () => {};
    if (!config.can_edit) return;
    root.addEventListener("click", (e) => this.clicked(e));
    root.addEventListener("keydown", (e) => this.keyed(e));
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.ids.size && !document.querySelector("dialog[open]")) this.clear(true);
    });
  }

  get size() { return this.ids.size; }

  has(card) { return this.ids.has(Number(card.dataset.id)); }

  /** The selected cards in the board's order (columns left to right, top to bottom). */
  selected() { return visibleCards().filter((card) => this.has(card)); }

  set(card, on) {
    const id = Number(card.dataset.id);
    if (on) this.ids.add(id);
    else this.ids.delete(id);
    card.classList.toggle("selected", on);
    const box = boxOf(card);
    if (box) box.checked = on;
  }

  /** Tick or untick every card from the anchor to ``card`` (in the board's order) like ``card``. */
  range(card, on) {
    const all = visibleCards();
    const from = all.findIndex((c) => Number(c.dataset.id) === this.anchor);
    const to = all.indexOf(card);
    if (from < 0 || to < 0) { this.set(card, on); return; }
    const [low, high] = from < to ? [from, to] : [to, from];
    for (const other of all.slice(low, high + 1)) this.set(other, on);
  }

  toggle(card, { shift = false, on = !this.has(card) } = {}) {
    if (shift && this.anchor !== null) this.range(card, on);
    else this.set(card, on);
    this.anchor = Number(card.dataset.id);
    this.changed(true);
  }

  clicked(e) {
    const box = e.target.closest?.(".card-select");
    if (!box) return;
    const card = box.closest(".card");
    // The click has already ticked or unticked the box: follow it.
    this.toggle(card, { shift: e.shiftKey, on: box.checked });
  }

  keyed(e) {
    if (e.key !== " " || e.altKey || e.ctrlKey || e.metaKey) return;
    const card = e.target.closest?.(".card");
    if (!card) return;
    const onBox = e.target.classList.contains("card-select");
    if (onBox && !e.shiftKey) return;  // the checkbox's own Space
    if (!onBox && !this.ids.size) return;  // not selecting: Space keeps its usual meaning
    e.preventDefault();
    this.toggle(card, { shift: e.shiftKey });
  }

  clear(say = false) {
    for (const card of root.querySelectorAll(".card.selected")) this.set(card, false);
    this.ids.clear();
    this.anchor = null;
    this.changed(say);
  }

  /** After the board changed (a live event): forget the cards no longer on it. */
  sync() {
    let gone = false;
    for (const id of [...this.ids]) {
      const card = this.cards.card(id);
      if (!card || card.hidden) { this.ids.delete(id); gone = true; }
      else if (!card.classList.contains("selected")) this.set(card, true);
    }
    if (gone) this.changed(false);
  }

  changed(say) {
    root.classList.toggle("selecting", this.ids.size > 0);
    if (say) announce(ngettext("%(num)s card selected.", "%(num)s cards selected.", this.ids.size));
    this.onChange();
  }
}
