/** The detail panel of a card: edit its fields (with a draft kept on this device and a
 * side-by-side merge when someone saved first), the rendered description, comments,
 * review decisions for leads, and the history. */
import { ApiError, get, patch, post } from "../http.js";
import { announce, el, localDate, problemMessage, toast } from "../dom.js";
import { _ } from "../i18n.js";

const FIELDS = ["title", "resource_type", "summary", "body", "resource_url", "audience", "labels", "assignees"];
const FIELD_LABELS = {
  title: _("Title"), resource_type: _("Resource type"), summary: _("Summary"), body: _("Description"),
  resource_url: _("Link"), audience: _("Audience"), labels: _("Labels"), assignees: _("Assignees"), channel: _("Channel"),
};
const ACTIONS = {
  submit: _("submitted the item for review"), withdraw: _("withdrew the item from review"),
  request_changes: _("requested changes"), approve: _("approved the item"), reject: _("rejected the item"),
  schedule: _("scheduled the item"), unschedule: _("unscheduled the item"), publish: _("published the item"),
  archive: _("archived the item"), unarchive: _("restored the item from the archive"),
};
const DECISIONS = { approve: _("Approved"), request_changes: _("Changes requested"), reject: _("Rejected") };
const draftKey = (id) => `relais:draft:${id}`;

/** The editable fields of an item, as the form holds them (strings and sorted lists). */
function fieldsOf(item) {
  return {
    title: item.title || "", resource_type: item.resource_type || "", summary: item.summary || "",
    body: item.body || "", resource_url: item.resource_url || "", audience: item.audience || "",
    labels: (item.labels || []).join(", "), assignees: (item.assignees || []).map((u) => u.username).sort(),
  };
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export class Panel {
  constructor({ config, cards, live }) {
    this.config = config;
    this.cards = cards;
    this.live = live;
    this.dialog = document.getElementById("panel");
    this.form = document.getElementById("edit-form");
    this.item = null;      // the server's item the draft is based on
    this.conflict = null;  // the server's current item after a 409
    this.saveTimer = null;
    this.bind();
  }

  $(id) { return document.getElementById(id); }

  bind() {
    this.dialog.addEventListener("close", () => this.closed());
    this.dialog.addEventListener("click", (e) => {
      if (e.target.closest("[data-close]") || e.target === this.dialog) this.dialog.close();
    });
    this.form.addEventListener("input", () => this.draftChanged());
    this.form.addEventListener("change", () => this.draftChanged());
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.save(); });
    this.$("conflict-keep-mine").addEventListener("click", () => this.keepMine());
    this.$("conflict-take-theirs").addEventListener("click", () => this.takeTheirs());
    this.$("conflict-fields").addEventListener("click", (e) => {
      const button = e.target.closest("[data-take]");
      if (button) this.takeField(button.dataset.take);
    });
    this.$("body-preview-box").addEventListener("toggle", () => this.preview());
    this.$("comment-add-form").addEventListener("submit", (e) => { e.preventDefault(); this.addComment(); });
    this.$("review-section").addEventListener("click", (e) => {
      const button = e.target.closest("[data-decision]");
      if (button) this.review(button.dataset.decision);
    });
  }

  get openId() { return this.dialog.open && this.item ? this.item.id : null; }

  async open(itemId) {
    this.item = null;
    this.conflict = null;
    this.$("panel-title").textContent = this.cards.card(itemId)?.querySelector(".card-title")?.textContent || _("Item");
    for (const id of ["conflict", "edit-error", "panel-changed", "draft-note"]) this.$(id).hidden = true;
    this.$("comments-list").replaceChildren(el("li", { class: "muted", text: _("Loading…") }));
    this.$("history-list").replaceChildren();
    // Nothing can be typed before the item is loaded: the load would overwrite it.
    for (const control of this.form.elements) control.disabled = true;
    this.$("panel-body").setAttribute("aria-busy", "true");
    if (!this.dialog.open) this.dialog.showModal();
    this.live?.setEditing(itemId);
    try {
      const item = await get(`/api/v1/items/${itemId}`);
      this.show(item);
      this.restoreDraft();
      this.$("panel-body").removeAttribute("aria-busy");
    } catch (err) {
      toast(problemMessage(err, "Ouverture"));
      this.dialog.close();
      return;
    }
    this.loadExtras(itemId);
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
    this.item = item;
    this.$("panel-title").textContent = item.title;
    const label = this.config.state_labels[item.deleted ? "trash" : item.state] || item.state;
    this.$("panel-state").textContent = `${label} · ${this.config.type_labels[item.resource_type] || item.resource_type}`
      + " · " + _("proposed by %(name)s", { name: item.author?.display_name || "?" });
    this.writeForm(fieldsOf(item));
    const editable = this.config.can_edit && !item.deleted && this.config.editable_states.includes(item.state);
    for (const control of this.form.elements) control.disabled = !editable;
    this.form.hidden = !editable;
    this.$("readonly-body").hidden = editable;
    this.$("review-section").hidden = !(this.config.is_lead && item.state === "in_review" && !item.deleted);
    this.$("comment-add-form").hidden = !this.config.can_edit || item.deleted;
    const own = item.author?.username === this.config.user.username;
    this.$("review-approve").disabled = own;
    this.$("review-own").hidden = !own;
  }

  readForm() {
    const f = this.form.elements;
    return {
      title: f.title.value, resource_type: f.resource_type.value, summary: f.summary.value, body: f.body.value,
      resource_url: f.resource_url.value.trim(), audience: f.audience.value, labels: f.labels.value,
      assignees: [...this.form.querySelectorAll('input[name="assignees"]:checked')].map((o) => o.value).sort(),
    };
  }

  writeForm(values) {
    const f = this.form.elements;
    for (const name of FIELDS) {
      if (name === "assignees") {
        for (const box of this.form.querySelectorAll('input[name="assignees"]')) box.checked = values.assignees.includes(box.value);
      } else {
        f[name].value = values[name];
      }
    }
  }

  /** What the form changes compared with ``base`` (the API's PATCH body). */
  changes(base) {
    const draft = this.readForm();
    const before = fieldsOf(base);
    const out = {};
    for (const name of FIELDS) {
      if (same(draft[name], before[name])) continue;
      if (name === "labels") out.labels = draft.labels.split(",").map((s) => s.trim()).filter(Boolean);
      else if (name === "resource_url") out.resource_url = draft.resource_url || null;
      else out[name] = draft[name];
    }
    return out;
  }

  dirty() { return Boolean(this.item) && Object.keys(this.changes(this.item)).length > 0; }

  // ---- the draft, kept on this device until it is saved

  draftChanged() {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.flushDraft(), 250);
  }

  flushDraft() {
    clearTimeout(this.saveTimer);
    if (!this.item || this.form.hidden) return;
    try {
      if (this.dirty()) {
        localStorage.setItem(draftKey(this.item.id),
          JSON.stringify({ base_version: this.item.version, fields: this.readForm(), saved_at: Date.now() }));
        this.$("draft-note").hidden = false;
      } else {
        localStorage.removeItem(draftKey(this.item.id));
        this.$("draft-note").hidden = true;
      }
    } catch { /* storage full or disabled: the draft stays in the open form */ }
  }

  restoreDraft() {
    if (this.form.hidden) return;
    let saved = null;
    try { saved = JSON.parse(localStorage.getItem(draftKey(this.item.id)) || "null"); } catch { saved = null; }
    if (!saved?.fields) return;
    this.writeForm({ ...fieldsOf(this.item), ...saved.fields });
    this.$("draft-note").hidden = false;
    if (saved.base_version !== this.item.version) {
      // The draft was written on an older version: keep it, and its base, so saving shows the merge.
      this.item = { ...this.item, version: saved.base_version };
      this.notice("panel-changed", _("Your draft was written on an older version: "
        + "when you save, you can compare it with the current version."));
    }
  }

  notice(id, text) {
    this.$(id).textContent = text;
    this.$(id).hidden = false;
  }

  // ---- save, and merge after a conflict

  async save() {
    if (!this.item) return;
    const changes = this.changes(this.item);
    if (!Object.keys(changes).length) { announce(_("Nothing to save.")); return; }
    const button = this.$("edit-save");
    button.disabled = true;
    this.$("edit-error").hidden = true;
    try {
      const item = await patch(`/api/v1/items/${this.item.id}`, changes, { "If-Match": `"${this.item.version}"` });
      try { localStorage.removeItem(draftKey(item.id)); } catch { /* ignore */ }
      this.conflict = null;
      this.$("conflict").hidden = true;
      this.$("panel-changed").hidden = true;
      this.$("draft-note").hidden = true;
      this.show(item);
      this.cards.upsert(item);
      this.loadExtras(item.id);
      announce(_("Changes saved."));
      toast(_("Changes saved."), { kind: "ok", timeout: 2500 });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && err.problem.current) {
        this.showConflict(err.problem.current);
      } else {
        this.fieldErrors(err);
      }
    } finally {
      button.disabled = false;
    }
  }

  fieldErrors(err) {
    const errors = err.problem?.errors || {};
    const lines = Object.entries(errors).map(([name, msgs]) =>
      `${FIELD_LABELS[name] || name} : ${[].concat(msgs).flat().join(" ")}`);
    this.notice("edit-error", [problemMessage(err, "Enregistrement"), ...lines].join(" — "));
  }

  /** Someone saved first: show their version beside the draft, field by field. The draft stays in the form. */
  showConflict(current) {
    this.conflict = current;
    this.flushDraft();
    const draft = this.readForm();
    const theirs = fieldsOf(current);
    const rows = [];
    for (const name of FIELDS) {
      if (same(draft[name], theirs[name])) continue;
      const show = (v) => (Array.isArray(v) ? v.join(", ") : v) || _("(empty)");
      rows.push(el("div", { class: "conflict-field" },
        el("h5", { text: FIELD_LABELS[name] }),
        el("div", { class: "conflict-pair" },
          el("div", { class: "mine" }, el("p", { class: "conflict-who", text: _("Your version") }),
            el("pre", { class: "conflict-text", dataset: { field: name, side: "mine" }, text: show(draft[name]) })),
          el("div", { class: "theirs" }, el("p", { class: "conflict-who",
            text: _("Saved version (no. %(version)s)", { version: current.version }) }),
            el("pre", { class: "conflict-text", dataset: { field: name, side: "theirs" }, text: show(theirs[name]) }),
            el("button", { type: "button", class: "secondary small", dataset: { take: name },
              text: _("Take this field") })))));
    }
    if (!rows.length) {
      // The other save made the same change: nothing to merge.
      this.show(current);
      this.$("conflict").hidden = true;
      announce(_("The item had already been changed the same way."));
      return;
    }
    this.$("conflict-fields").replaceChildren(...rows);
    this.$("conflict").hidden = false;
    this.$("conflict").scrollIntoView({ block: "nearest" });
    announce(_("Conflict: another version was saved. Your text is kept."));
  }

  /** Save the draft over the current version (the user has merged what they wanted). */
  keepMine() {
    if (!this.conflict) return;
    const draft = this.readForm();
    this.item = this.conflict;
    this.writeForm(draft);
    this.save();
  }

  takeTheirs() {
    if (!this.conflict) return;
    this.show(this.conflict);
    this.conflict = null;
    this.$("conflict").hidden = true;
    this.flushDraft();
    announce(_("Saved version taken."));
  }

  takeField(name) {
    if (!this.conflict) return;
    const draft = this.readForm();
    draft[name] = fieldsOf(this.conflict)[name];
    this.writeForm(draft);
    this.flushDraft();
    const block = this.$("conflict-fields").querySelector(`[data-take="${name}"]`)?.closest(".conflict-field");
    if (block) block.classList.add("resolved");
    announce(_("%(field)s: saved version taken into your draft.", { field: FIELD_LABELS[name] }));
  }

  // ---- rendered body, comments, reviews, history

  async loadExtras(itemId) {
    const [rendered, comments, history] = await Promise.allSettled([
      get(`/items/${itemId}/rendered`), get(`/api/v1/items/${itemId}/comments`),
      get(`/api/v1/items/${itemId}/history`)]);
    if (this.openId !== itemId) return;
    if (rendered.status === "fulfilled") {
      // Sanitised on the server (workflow.markdown: markdown-it + nh3), never raw user text.
      this.$("body-html").innerHTML = rendered.value.body_html;
      if (!this.$("body-preview-box").open) this.$("body-preview").innerHTML = rendered.value.body_html;
    }
    if (comments.status === "fulfilled") this.renderComments(comments.value);
    if (history.status === "fulfilled") this.renderHistory(history.value);
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

  commentNode(c) {
    return el("li", { class: "comment", dataset: { id: c.id } },
      el("p", { class: "comment-meta" }, el("strong", { text: c.author?.display_name || "?" }),
        " · ", el("time", { datetime: c.created_at, text: localDate(c.created_at) })),
      el("p", { class: "comment-body", text: c.body }));
  }

  renderComments(list) {
    const nodes = list.map((c) => this.commentNode(c));
    this.$("comments-list").replaceChildren(...(nodes.length ? nodes
      : [el("li", { class: "muted empty", text: _("No comment yet.") })]));
  }

  appendComment(c) {
    const list = this.$("comments-list");
    if (list.querySelector(`[data-id="${Number(c.id)}"]`)) return;
    list.querySelector(".empty")?.remove();
    list.append(this.commentNode(c));
  }

  async addComment() {
    const box = this.$("comment-add-text");
    const body = box.value.trim();
    if (!body || !this.item) { box.focus(); return; }
    try {
      const comment = await post(`/api/v1/items/${this.item.id}/comments`, { body });
      box.value = "";
      this.appendComment(comment);
      announce(_("Comment posted."));
    } catch (err) {
      toast(problemMessage(err, "Commentaire"));  // the text stays in the box
    }
  }

  async review(decision) {
    if (!this.item) return;
    const comment = this.$("review-comment").value.trim();
    if (decision !== "approve" && !comment) {
      this.$("review-comment").focus();
      toast(_("Write a comment to request changes or reject."));
      return;
    }
    try {
      await post(`/api/v1/items/${this.item.id}/reviews`, { decision, comment, version: this.item.version });
      this.$("review-comment").value = "";
      const item = await get(`/api/v1/items/${this.item.id}`);
      this.cards.upsert(item);
      this.show(item);
      this.loadExtras(item.id);
      announce(_("Decision saved: %(decision)s.", { decision: DECISIONS[decision] }));
      toast(_("Decision saved: %(decision)s.", { decision: DECISIONS[decision] }), { kind: "ok", timeout: 2500 });
    } catch (err) {
      toast(problemMessage(err, _("Decision")));
    }
  }

  describe(e) {
    const p = e.payload || {};
    const label = (s) => this.config.state_labels[s] || s;
    switch (e.type) {
      case "item.created": return _("proposed the item");
      case "item.updated": {
        const names = Object.keys(p.changes || {}).map((n) => FIELD_LABELS[n] || n).join(", ");
        return _("changed %(fields)s", { fields: names || _("the item") })
          + (p.sent_back_to_review ? " " + _("(sent back to review)") : "");
      }
      case "item.moved":
        if (p.from && p.to && p.from !== p.to) return _("moved it from “%(from)s” to “%(to)s”", { from: label(p.from), to: label(p.to) });
        return _("changed its place in “%(column)s”", { column: label(p.to || p.item?.state) });
      case "item.transitioned":
        return (ACTIONS[p.action] || _("changed the state"))
          + " (" + _("“%(from)s” → “%(to)s”", { from: label(p.from), to: label(p.to) }) + ")";
      case "item.scheduled": return p.item?.scheduled_at
        ? _("scheduled the publication on %(when)s", { when: localDate(p.item.scheduled_at) }) : _("scheduled the publication");
      case "item.published": return _("published the item");
      case "item.deleted": return _("put the item in the trash");
      case "item.restored": return _("restored the item");
      case "comment.created": return _("commented");
      case "review.created": return ACTIONS[p.action] || _("gave a decision");
      default: return e.type;
    }
  }

  renderHistory(events) {
    const nodes = [...events].reverse().map((e) => {
      const c = e.payload?.comment;
      const extra = (typeof c === "string" ? c : c?.body) || e.payload?.review?.comment || "";
      return el("li", {},
        el("p", {}, el("strong", { text: e.actor?.display_name || "Relais" }), " ", this.describe(e)),
        extra ? el("blockquote", { text: extra }) : null,
        el("time", { class: "muted", datetime: e.created_at, text: localDate(e.created_at) }));
    });
    this.$("history-list").replaceChildren(...nodes);
  }

  /** A board event about the open card: follow it without touching the draft. */
  onEvent(evt) {
    if (!this.item || evt.item_id !== this.item.id || !evt.item) return;
    if (evt.type === "comment.created" && evt.comment) this.appendComment(evt.comment);
    const mine = evt.actor?.id === this.config.user.id;
    if (evt.item.version > this.item.version) {
      if (this.dirty() || this.conflict) {
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
