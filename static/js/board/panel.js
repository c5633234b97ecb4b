/** The detail panel of a card: opens it, shows the item, follows live events about it, and
 * hands each part to its module in panel/: the form's fields (fields.js), the draft kept on
 * this device (draft.js), saving (save.js) and the merge after a conflict (conflict.js), the
 * review section (review.js, rounds.js), comments (comments.js), the to-do list (tasks.js),
 * history (history.js), following it (follow.js) and the actions on the whole card: trash, restore,
 * duplicate (actions.js). */
import { get, post } from "../http.js";
import { problemMessage, toast } from "../dom.js";
import { _ } from "../i18n.js";
import { Actions } from "./panel/actions.js";
import { Attachments } from "./panel/attachments.js";
import { Comments } from "./panel/comments.js";
import { Conflict } from "./panel/conflict.js";
import { Cues } from "./panel/cues.js";
import { Draft } from "./panel/draft.js";
import { changesOf, fieldsOf, writeForm } from "./panel/fields.js";
import { Follow } from "./panel/follow.js";
import { History } from "./panel/history.js";
import { MentionPicker } from "./panel/mentions.js";
import { Review } from "./panel/review.js";
import { roundNodes } from "./panel/rounds.js";
import { save } from "./panel/save.js";
import { showSendBack } from "./panel/sendback.js";
import { Tasks } from "./panel/tasks.js";

/** Sanitised HTML (workflow.markdown: markdown-it + nh3, server-side, never raw user text) in
 * ``box``, or a note in the reader's language when the description is empty. */
function showMarkdown(box, html) {
  if (html && html.trim()) { box.innerHTML = html; return; }
  const note = document.createElement("p");
  note.className = "muted";
  note.textContent = _("(No description)");
  box.replaceChildren(note);
}

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
    this.attachments = new Attachments(this);
    this.tasks = new Tasks(this);
    this.history = new History(this);
    this.actions = new Actions(this);
    this.follow = new Follow(this);
    this.cues = new Cues(this);
    const groupId = () => this.item?.group_id ?? config.group_id;
    this.mentions = ["comment-add-text", "edit-body"].map((id) => new MentionPicker(this.$(id), groupId));
    this.bind();
  }

  $(id) { return document.getElementById(id); }

  bind() {
    this.dialog.addEventListener("close", () => this.closed());
    this.dialog.addEventListener("click", (e) => {
      if (e.target.closest("[data-close]") || e.target === this.dialog) this.dialog.close();
    });
    this.form.addEventListener("input", () => { this.draft.changed(); showSendBack(this); });
    this.form.addEventListener("change", () => { this.draft.changed(); showSendBack(this); });
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
      "rounds-section", "review-approvals", "panel-actions"]) this.$(id).hidden = true;
    this.$("rounds-list").replaceChildren();
    this.cues.clear();
    this.comments.loading();
    this.attachments.loading();
    this.tasks.loading();
    this.follow.loading();
    this.history.clear();
    // Nothing can be typed before the item is loaded: the load would overwrite it.
    for (const control of this.form.elements) control.disabled = true;
    // Nor decided on: a decision acts on the loaded item (Review.show enables the buttons).
    for (const button of this.$("review-section").querySelectorAll("[data-decision]")) button.disabled = true;
    // Nor commented on: a comment is posted to the loaded item (``show`` enables the form).
    for (const control of this.$("comment-add-form").elements) control.disabled = true;
    this.$("panel-body").setAttribute("aria-busy", "true");
    if (!this.dialog.open) this.dialog.showModal();
    this.live?.setEditing(itemId);
    try {
      const item = await get(`/api/v1/items/${itemId}`);
      this.show(item);
      this.draft.restore();
      showSendBack(this);
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
    for (const control of this.$("comment-add-form").elements) control.disabled = false;
    showSendBack(this);
    this.review.show(item);
    this.actions.show(item);
    this.cues.showEditors();
    this.attachments.refresh();
    this.tasks.refresh();
  }

  dirty() { return Boolean(this.item) && Object.keys(changesOf(this.form, this.item)).length > 0; }

  flushDraft() { this.draft.flush(); }

  save() { return save(this); }

  notice(id, text) {
    this.$(id).textContent = text;
    this.$(id).hidden = false;
  }

  /** The rendered body, comments, history, review rounds and follow state of the open item. */
  async loadExtras(itemId) {
    this.follow.load(itemId);
    const [rendered, comments, history, rounds, attachments, tasks] = await Promise.allSettled([
      get(`/items/${itemId}/rendered`), get(`/api/v1/items/${itemId}/comments`),
      get(`/api/v1/items/${itemId}/history`), get(`/api/v1/items/${itemId}/rounds`),
      get(`/api/v1/items/${itemId}/attachments`), get(`/api/v1/items/${itemId}/tasks`)]);
    if (this.openId !== itemId) return;
    if (rendered.status === "fulfilled") {
      // Sanitised on the server (workflow.markdown: markdown-it + nh3), never raw user text.
      showMarkdown(this.$("body-html"), rendered.value.body_html);
      if (!this.$("body-preview-box").open) showMarkdown(this.$("body-preview"), rendered.value.body_html);
    }
    if (comments.status === "fulfilled") this.comments.render(comments.value);
    if (history.status === "fulfilled") this.history.render(history.value);
    if (rounds.status === "fulfilled") this.renderRounds(rounds.value);
    if (attachments.status === "fulfilled") this.attachments.render(attachments.value);
    if (tasks.status === "fulfilled" && this.tasks.renaming === null) this.tasks.render(tasks.value);
  }

  renderRounds(rounds) {
    this.rounds = rounds;
    this.$("rounds-section").hidden = !rounds.length;
    this.$("rounds-list").replaceChildren(...roundNodes(rounds));
    this.review.showApprovals();
    this.cues.showSentBack(this.item, rounds);
  }

  async preview() {
    if (!this.$("body-preview-box").open) return;
    try {
      const { html } = await post("/markdown/preview",
        { text: this.form.elements.body.value, group_id: this.item?.group_id ?? this.config.group_id });
      showMarkdown(this.$("body-preview"), html);
    } catch (err) {
      this.$("body-preview").textContent = problemMessage(err, _("Preview"));
    }
  }

  /** A board event about the open card: follow it without touching the draft. */
  onEvent(evt) {
    if (!this.item || evt.item_id !== this.item.id || !evt.item) return;
    if (evt.type === this.config.events.COMMENT_CREATED && evt.comment) this.comments.append(evt.comment);
    this.attachments.onEvent(evt);
    this.tasks.onEvent(evt);
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
