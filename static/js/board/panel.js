/** The detail panel of a card: opens it, shows the item, follows live events about it, and
 * hands each part to its module in panel/: the form's fields (fields.js), the draft kept on
 * this device (draft.js), saving (save.js) and the merge after a conflict (conflict.js), the
 * review section (review.js, rounds.js), comments (comments.js) and history (history.js). */
import { get, post } from "../http.js";
import { problemMessage, toast } from "../dom.js";
import { _ } from "../i18n.js";
import { Comments } from "./panel/comments.js";
import { Conflict } from "./panel/conflict.js";
import { Draft } from "./panel/draft.js";
import { changesOf, fieldsOf, writeForm } from "./panel/fields.js";
import { History } from "./panel/history.js";
import { Review } from "./panel/review.js";
import { roundNodes } from "./panel/rounds.js";
import { save } from "./panel/save.js";

export class Panel {
  constructor({ config, cards, live }) {
    this.config = config;
    this.cards = cards;
    this.live = live;
    this.dialog = document.getElementById("panel");
    this.form = document.getElementById("edit-form");
    this.item = null;      // the server's item the draft is based on
    this.rounds = null;
    this.draft = new Draft(this);
    this.conflict = new Conflict(this);
    this.review = new Review(this);
    this.comments = new Comments(this);
    this.history = new History(this);
    this.bind();
  }

  $(id) { return document.getElementById(id); }

  bind() {
    this.dialog.addEventListener("close", () => this.closed());
    this.dialog.addEventListener("click", (e) => {
      if (e.target.closest("[data-close]") || e.target === this.dialog) this.dialog.close();
    });
    this.form.addEventListener("input", () => this.draft.changed());
    this.form.addEventListener("change", () => this.draft.changed());
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.save(); });
    this.$("body-preview-box").addEventListener("toggle", () => this.preview());
  }

  get openId() { return this.dialog.open && this.item ? this.item.id : null; }

  /** Open the panel of ``itemId``. Resolves to the item, or null when it cannot be loaded
   * (``quiet``: no message, the caller explains). */
  async open(itemId, { quiet = false } = {}) {
    this.item = null;
    this.conflict.current = null;
    this.rounds = null;
    this.$("panel-title").textContent = this.cards.card(itemId)?.querySelector(".card-title")?.textContent || _("Item");
    for (const id of ["conflict", "edit-error", "panel-changed", "panel-others", "draft-note", "panel-claim",
      "rounds-section", "review-approvals"]) this.$(id).hidden = true;
    this.$("rounds-list").replaceChildren();
    this.comments.loading();
    this.history.clear();
    // Nothing can be typed before the item is loaded: the load would overwrite it.
    for (const control of this.form.elements) control.disabled = true;
    this.$("panel-body").setAttribute("aria-busy", "true");
    if (!this.dialog.open) this.dialog.showModal();
    this.live?.setEditing(itemId);
    try {
      const item = await get(`/api/v1/items/${itemId}`);
      this.show(item);
      this.draft.restore();
      this.$("panel-body").removeAttribute("aria-busy");
    } catch (err) {
      if (!quiet) toast(problemMessage(err, _("Opening")));
      this.dialog.close();
      return null;
    }
    this.loadExtras(itemId);
    return this.item;
  }

  closed() {
    this.flushDraft();
    this.live?.setEditing(null);
    const card = this.item && this.cards.card(this.item.id);
    this.item = null;
    card?.querySelector(".card-title")?.focus();
  }

  /** Show the server's ``item`` as the panel's base; fill the form with it. */
  show(item) {
    const config = this.config;
    this.item = item;
    this.$("panel-title").textContent = item.title;
    const label = config.state_labels[item.deleted ? config.states.TRASH : item.state] || item.state;
    this.$("panel-state").textContent = `${label} · ${config.type_labels[item.resource_type] || item.resource_type}`
      + " · " + _("proposed by %(name)s", { name: item.author?.display_name || "?" });
    writeForm(this.form, fieldsOf(item));
    const editable = config.can_edit && !item.deleted && config.editable_states.includes(item.state);
    for (const control of this.form.elements) control.disabled = !editable;
    this.form.hidden = !editable;
    this.$("readonly-body").hidden = editable;
    this.$("comment-add-form").hidden = !config.can_edit || item.deleted;
    this.review.show(item);
  }

  dirty() { return Boolean(this.item) && Object.keys(changesOf(this.form, this.item)).length > 0; }

  flushDraft() { this.draft.flush(); }

  save() { return save(this); }

  notice(id, text) {
    this.$(id).textContent = text;
    this.$(id).hidden = false;
  }

  /** The rendered body, comments, history and review rounds of the open item. */
  async loadExtras(itemId) {
    const [rendered, comments, history, rounds] = await Promise.allSettled([
      get(`/items/${itemId}/rendered`), get(`/api/v1/items/${itemId}/comments`),
      get(`/api/v1/items/${itemId}/history`), get(`/api/v1/items/${itemId}/rounds`)]);
    if (this.openId !== itemId) return;
    if (rendered.status === "fulfilled") {
      // Sanitised on the server (workflow.markdown: markdown-it + nh3), never raw user text.
      this.$("body-html").innerHTML = rendered.value.body_html;
      if (!this.$("body-preview-box").open) this.$("body-preview").innerHTML = rendered.value.body_html;
    }
    if (comments.status === "fulfilled") this.comments.render(comments.value);
    if (history.status === "fulfilled") this.history.render(history.value);
    if (rounds.status === "fulfilled") this.renderRounds(rounds.value);
  }

  renderRounds(rounds) {
    this.rounds = rounds;
    this.$("rounds-section").hidden = !rounds.length;
    this.$("rounds-list").replaceChildren(...roundNodes(rounds));
    this.review.showApprovals();
  }

  async preview() {
    if (!this.$("body-preview-box").open) return;
    try {
      const { html } = await post("/markdown/preview", { text: this.form.elements.body.value });
      this.$("body-preview").innerHTML = html;  // sanitised server-side
    } catch (err) {
      this.$("body-preview").textContent = problemMessage(err, _("Preview"));
    }
  }

  /** A board event about the open card: follow it without touching the draft. */
  onEvent(evt) {
    if (!this.item || evt.item_id !== this.item.id || !evt.item) return;
    if (evt.type === this.config.events.COMMENT_CREATED && evt.comment) this.comments.append(evt.comment);
    if ("claimed_by_id" in evt.item && evt.item.version >= this.item.version) {
      this.item = { ...this.item, claimed_by_id: evt.item.claimed_by_id };
      this.review.showClaim(this.item);
    }
    const mine = evt.actor?.id === this.config.user.id;
    if (evt.item.version > this.item.version) {
      if (this.dirty() || this.conflict.current) {
        if (!mine) {
          this.notice("panel-changed", _("%(name)s has just changed this item. "
            + "Your changes are kept: when you save, you can compare both versions.",
          { name: evt.actor?.display_name || _("Someone") }));
        }
      } else {
        this.show(evt.item);
      }
    }
    this.loadExtras(this.item.id);
  }
}
