/** The board page (/groups/<id>/board): wires the modules of board/ together — the cards,
 * moves (drag and drop, keyboard, the move dialog), filters, the "New item" form, the detail
 * panel, the selection with its bulk actions, undo and the live link. One listener per kind of event on the board (delegation), so a
 * board of a thousand cards costs no more to wire than one of ten. */
import { BulkBar } from "./board/bulk-bar.js";
import { Cards } from "./board/cards.js";
import { enableDrag } from "./board/drag.js";
import { startDueClock } from "./board/due.js";
import { applyFilters, bindFilters, learnLabels } from "./board/filters.js";
import { bindKeyboard } from "./board/keyboard.js";
import { bindLabelAdmin } from "./board/label-admin.js";
import { applyLabelEvent } from "./board/labels.js";
import { openLinkedItem } from "./board/linked-item.js";
import { Live } from "./board/live.js";
import { bindMoveDialog, openMoveDialog } from "./board/move-dialog.js";
import { Moves } from "./board/moves.js";
import { bindNewItem } from "./board/new-item.js";
import { config, events, me, root } from "./board/page.js";
import { Panel } from "./board/panel.js";
import { Selection } from "./board/selection.js";
import { announceMove, bindToast, refreshEditing, showPresence, showStatus } from "./board/status.js";
import { bindUndoKey } from "./board/undo.js";
import { bindWipLimits, onWipLimitChanged } from "./board/wip.js";

const cards = new Cards(root, config);
const moves = new Moves(cards);
enableDrag(cards, moves);
bindMoveDialog(moves);
const selection = new Selection(cards);
const bulk = new BulkBar(cards, selection);

let panel = null;

/** A board event, in seq order: the card follows its item, the panel follows its card. */
function onEvent(evt) {
  if (evt.type === events.COLUMN_WIP_LIMIT_CHANGED) {
    onWipLimitChanged(evt);
  } else if (evt.type === events.ITEM_DELETED && !config.include_hidden) {
    cards.remove(evt.item_id);
  } else if (applyLabelEvent(evt)) {
    applyFilters();
  } else if (evt.item) {
    learnLabels(evt.item);
    cards.learn(evt.claimed_by);
    cards.learn(evt.actor);
    const result = cards.upsert(evt.item);
    if (result?.card) applyFilters(result.card);
    announceMove(evt, result);
  }
  panel?.onEvent(evt);
  selection.sync();
  refreshEditing();
}

const live = new Live({ groupId: config.group_id, seq: config.seq, eventTypes: config.event_types, events, me,
  onEvent, onPresence: (p) => { showPresence(p); panel?.cues.showEditors(p.editing); }, onStatus: showStatus,
  onRebalance: (evt) => cards.rebalance(evt.state, evt.ranks), onPurge: (evt) => cards.remove(evt.item_id) });
panel = new Panel({ config, cards, live });

// One click listener for every card.
root.addEventListener("click", (e) => {
  const button = e.target.closest("[data-action]");
  const card = button?.closest(".card");
  if (!card) return;
  if (button.dataset.action === "open") panel.open(Number(card.dataset.id));
  else if (button.dataset.action === "move") openMoveDialog(card);
});
bindKeyboard(moves);
bindToast();
bindUndoKey();
bindFilters();
bindNewItem(cards);
bindLabelAdmin();
startDueClock(() => applyFilters());
bindWipLimits();
window.addEventListener("beforeunload", () => panel.flushDraft());
openLinkedItem(config.open_item, { cards, panel });

// For the browser tests and for debugging from the console.
window.relaisBoard = { cards, live, panel, config, applyFilters, selection, bulk };
performance.mark("board-ready");
document.documentElement.dataset.boardReady = "1";
