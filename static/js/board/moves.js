/** Moving a card: to another column or another place in its column, optimistically in the
 * page, then checked by the server; put back where it was, with the reason, when refused. */
import { announce, hideToast, problemMessage, toast } from "../dom.js";
import { post } from "../http.js";
import { _ } from "../i18n.js";
import { askComment } from "./comment-dialog.js";
import { config, label, me } from "./page.js";
import { offerUndo } from "./undo.js";
import { overLimit, warnIfOverLimit } from "./wip.js";

/** What this person may do from ``card``'s state: {target: needsComment}. */
export function movesFor(card) {
  const byRole = config.moves[card.dataset.state] || { author: {}, other: {} };
  return card.dataset.author === me.username ? byRole.author : byRole.other;
}

function positionOf(card) {
  return card ? [...card.parentElement.children].indexOf(card) + 1 : 0;
}

function visibleSibling(card, direction) {
  let node = direction < 0 ? card.previousElementSibling : card.nextElementSibling;
  while (node && node.hidden) node = direction < 0 ? node.previousElementSibling : node.nextElementSibling;
  return node;
}

/** Where a card now sits among its (DOM) neighbours → the API's before_id / after_id. */
export function anchorsOf(card) {
  const next = card.nextElementSibling;
  if (next) return { beforeId: Number(next.dataset.id) };
  const prev = card.previousElementSibling;
  return prev ? { afterId: Number(prev.dataset.id) } : {};
}

function refusal(err, card, fromState, target) {
  if (!(target && !(target in movesFor(card)) && [403, 409].includes(err.status))) return problemMessage(err, _("Move"));
  const options = Object.keys(movesFor(card)).map((s) => _("“%(column)s”", { column: label(s) }));
  return _("Move refused: you may not put this card from “%(from)s” to “%(to)s”.",
    { from: label(fromState), to: label(target) })
    + (options.length ? " " + _("(possible for you: %(options)s)", { options: options.join(", ") }) : "")
    + " " + _("Reason: %(reason)s", { reason: err.problem?.detail || _("not given") });
}

/** Publishing is public at once and sends the channel's webhooks: never on a mere drop. */
function confirmPublication(card) {
  const title = card.querySelector(".card-title")?.textContent || "";
  return window.confirm(_("Publish “%(title)s” now? It becomes public at once and its webhooks are sent: this cannot be undone.",
    { title }));
}

export class Moves {
  constructor(cards) { this.cards = cards; }

  /** A function putting ``card`` back where it is now; its ``origin`` says where that is, for an undo. */
  restorer(card) {
    const list = card.parentElement;
    const next = card.nextElementSibling;
    const put = () => {
      list.insertBefore(card, next && next.parentElement === list ? next : null);
      this.cards.updateCounts();
    };
    put.origin = { state: list.dataset.state, ...anchorsOf(card) };
    return put;
  }

  /** Undo a move: the card back in its column, at its place when its neighbour is still there. */
  async moveBack(id, origin, version) {
    const card = this.cards.card(id);
    const body = { version };
    if (card?.dataset.state !== origin.state) body.state = origin.state;
    if (origin.beforeId) body.before_id = origin.beforeId;
    else if (origin.afterId) body.after_id = origin.afterId;
    if (body.state && card && movesFor(card)[origin.state] === true) {
      const comment = await askComment(card, origin.state);
      if (comment === null) return _("Undo cancelled.");
      body.comment = comment;
    }
    let item;
    try {
      item = await post(`/api/v1/items/${id}/move`, body);
    } catch (err) {
      if (!(err.status === 422 && body.state && (body.before_id || body.after_id))) throw err;
      delete body.before_id;  // the neighbour went meanwhile: the end of the column will do
      delete body.after_id;
      item = await post(`/api/v1/items/${id}/move`, body);
    }
    this.cards.upsert(item);
    return _("Move undone: “%(title)s” is back in “%(column)s”.", { title: item.title, column: label(item.state) });
  }

  /** Ask the server to put ``card`` in ``state`` before/after a neighbour. ``revert`` undoes
   * the optimistic DOM move when the server (or the person, cancelling the comment) says no. */
  async move(card, { state, beforeId = null, afterId = null }, revert) {
    const id = Number(card.dataset.id);
    const fromState = card.dataset.state;
    const body = { version: Number(card.dataset.version) };
    if (state !== fromState) body.state = state;
    if (beforeId) body.before_id = beforeId;
    else if (afterId) body.after_id = afterId;
    if (!body.state && !body.before_id && !body.after_id) { revert(); return; }
    if (body.state === config.states.PUBLISHED && !confirmPublication(card)) {
      revert();
      announce(_("Publication cancelled."));
      return;
    }
    if (body.state && movesFor(card)[state] === true) {
      const comment = await askComment(card, state);
      if (comment === null) {
        revert();
        announce(_("Move cancelled."));
        return;
      }
      body.comment = comment;
    }
    card.classList.add("saving");
    card.setAttribute("aria-busy", "true");
    try {
      const item = await post(`/api/v1/items/${id}/move`, body);
      this.cards.upsert(item);
      hideToast();
      const message = state !== fromState
        ? _("“%(title)s” moved from “%(from)s” to “%(to)s”.", { title: item.title, from: label(fromState), to: label(item.state) })
        : _("“%(title)s” moved to position %(position)s in “%(column)s”.",
          { title: item.title, position: positionOf(this.cards.card(id)), column: label(item.state) });
      // Over the column's WIP limit: the move is kept, the toast warns (and still offers to undo).
      const warning = state !== fromState ? overLimit(item.state) : null;
      announce(warning ? `${message} ${warning}` : message);
      // A publication is public at once (webhooks sent): it is never offered as undoable.
      if (revert.origin && item.state !== config.states.PUBLISHED) {
        offerUndo(warning || message, () => this.moveBack(id, revert.origin, item.version),
          { kind: warning ? "warning" : "ok" });
      } else if (warning) {
        warnIfOverLimit(item.state);
      }
    } catch (err) {
      revert();
      const message = refusal(err, card, fromState, body.state);
      toast(message);
      announce(_("Card put back in its place.") + " " + message);
    } finally {
      card.classList.remove("saving");
      card.removeAttribute("aria-busy");
    }
  }

  /** Up or down one place in the column (keyboard). */
  reorder(card, direction) {
    const neighbour = visibleSibling(card, direction);
    if (!neighbour) { announce(direction < 0 ? _("Already at the top of the column.") : _("Already at the bottom of the column.")); return; }
    const revert = this.restorer(card);
    const focused = document.activeElement;
    card.parentElement.insertBefore(card, direction < 0 ? neighbour : neighbour.nextElementSibling);
    if (card.contains(focused)) focused.focus();
    const anchor = direction < 0 ? { beforeId: Number(neighbour.dataset.id) } : { afterId: Number(neighbour.dataset.id) };
    this.move(card, { state: card.dataset.state, ...anchor }, revert);
  }

  /** To another column, at its end (keyboard / menu). */
  toColumn(card, state) {
    if (state === card.dataset.state) return;
    const list = this.cards.list(state);
    if (!list) return;
    const revert = this.restorer(card);
    const focused = document.activeElement;
    list.append(card);
    this.cards.updateCounts();
    if (card.contains(focused)) focused.focus();
    this.move(card, { state }, revert);
  }
}
