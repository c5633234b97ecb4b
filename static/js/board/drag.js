/** Drag and drop: one Sortable per column (window.Sortable, loaded before the modules); the
 * drop is checked by the server, and the columns this person may drop into are highlighted. */
import { config, root, states } from "./page.js";
import { anchorsOf, movesFor } from "./moves.js";

// Sortable's animation measures every card of a column on each move: smooth on a small
// column, a stutter on a column of hundreds. Animate only columns that stay light.
const ANIMATED_MAX = 80;

function highlightTargets(card, on) {
  const allowed = movesFor(card);
  for (const column of root.querySelectorAll(".column")) {
    const state = column.dataset.state;
    column.classList.toggle("drop-ok", on && (state === card.dataset.state || state in allowed));
    column.classList.toggle("drop-no", on && state !== card.dataset.state && !(state in allowed));
  }
}

/** Make the cards of every column draggable; a drop calls ``moves.move``. */
export function enableDrag(cards, moves) {
  const Sortable = window.Sortable;
  if (!Sortable) return [];
  const sortables = [];
  let dragRevert = null;
  for (const list of cards.lists.values()) {
    const inTrash = list.dataset.state === states.TRASH;
    sortables.push(Sortable.create(list, {
      group: { name: "board", pull: !inTrash, put: !inTrash },
      sort: !inTrash,
      disabled: !config.can_edit || inTrash,
      animation: 0,
      forceFallback: true,          // mouse and touch alike, and no native drag image
      fallbackTolerance: 4,         // a click is a click, not a tiny drag
      delay: 180,
      delayOnTouchOnly: true,       // on phones, a short press starts the drag; a swipe scrolls
      filter: ".card-move, .card-select",
      preventOnFilter: false,
      ghostClass: "card-ghost",
      chosenClass: "card-chosen",
      dragClass: "card-drag",
      onStart(evt) {
        for (const s of sortables) s.option("animation", s.el.children.length > ANIMATED_MAX ? 0 : 120);
        dragRevert = moves.restorer(evt.item);
        highlightTargets(evt.item, true);
      },
      onEnd(evt) {
        const card = evt.item;
        highlightTargets(card, false);
        const revert = dragRevert;
        dragRevert = null;
        if (evt.from === evt.to && evt.oldIndex === evt.newIndex) return;
        cards.updateCounts();
        moves.move(card, { state: evt.to.dataset.state, ...anchorsOf(card) }, revert);
      },
    }));
  }
  return sortables;
}
