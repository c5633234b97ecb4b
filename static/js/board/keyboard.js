/** Moving a focused card with the keyboard: Alt + up/down within its column, Alt + left/right
 * to the neighbouring column. */
import { config, movableColumns, root } from "./page.js";

export function bindKeyboard(moves) {
  root.addEventListener("keydown", (e) => {
    const card = e.target.closest?.(".card");
    if (!card || !e.altKey || !config.can_edit) return;
    const columns = movableColumns();
    const index = columns.indexOf(card.dataset.state);
    if (e.key === "ArrowUp" || e.key === "ArrowDown") {
      e.preventDefault();
      moves.reorder(card, e.key === "ArrowUp" ? -1 : 1);
    } else if ((e.key === "ArrowLeft" || e.key === "ArrowRight") && index >= 0) {
      e.preventDefault();
      const target = columns[index + (e.key === "ArrowLeft" ? -1 : 1)];
      if (target) moves.toColumn(card, target);
    }
  });
}
