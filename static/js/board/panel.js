/** The detail panel of a card: edit its fields (with a draft kept on this device and a
 * side-by-side merge when someone saved first), the rendered description, comments,
 * review decisions for leads, and the history. */
import { ApiError, get, patch, post, request } from "../http.js";
import { announce, el, localDate, problemMessage, toast } from "../dom.js";
import { _, ngettext } from "../i18n.js";

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
// A diff line: added (+), removed (−) or kept; the sign is shown too, not only the colour.
const DIFF_CLASS = { "+": "diff-add", "-": "diff-del", " ": "diff-same" };
const DIFF_SIGN = { "+": "+ ", "-": "− ", " ": "  " };
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
    this.$("claim-take").addEventListener("click", () => this.claim(true));
    this.$("claim-release").addEventListener("click", () => this.claim(false));
    this.$("review-section").addEventListener("click", (e) => {
      const button = e.target.closest("[data-decision]");
      if (button) this.review(button.dataset.decision);
    });
  }

  get openId() { return this.dialog.open && this.item ? this.item.id : null; }

  /** Open the panel of ``itemId``. Resolves to the item, or null when it cannot be loaded
   * (``quiet``: no message, the caller explains). */
  async open(itemId, { quiet = false } = {}) {
    this.item = null;
    this.conflict = null;
    this.rounds = null;
    this.$("panel-title").textContent = this.cards.card(itemId)?.querySelector(".card-title")?.textContent || _("Item");
    for (const id of ["conflict", "edit-error", "panel-changed", "panel-others", "draft-note", "panel-claim",
      "rounds-section", "review-approvals"]) this.$(id).hidden = true;
    this.$("rounds-list").replaceChildren();
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
    this.showClaim(item);
    this.showApprovals();
  }

  // ---- claims: a lead takes the review, so two leads don't review the same item

  showClaim(item) {
    const inReview = item.state === "in_review" && !item.deleted;
    const box = this.$("panel-claim");
    box.hidden = !inReview;
    if (!inReview) return;
    const me = this.config.user.id;
    const by = item.claimed_by_id;
    const own = item.author?.username === this.config.user.username;
    this.$("claim-status").textContent = !by ? _("Nobody has taken this review yet.")
      : by === me ? _("You are reviewing this item.")
        : _("Claimed by %(name)s", { name: this.cards.nameOf(by) });
    this.$("claim-take").hidden = !(this.config.is_lead && !by && !own);
    this.$("claim-release").hidden = !(this.config.is_lead && by === me);
  }

  async claim(take) {
    if (!this.item) return;
    const id = this.item.id;
    const button = this.$(take ? "claim-take" : "claim-release");
    button.disabled = true;
    try {
      const item = take ? await post(`/api/v1/items/${id}/claim`, {}) : await request("DELETE", `/api/v1/items/${id}/claim`);
      this.cards.upsert(item);
      if (this.openId === id) { this.item = { ...this.item, claimed_by_id: item.claimed_by_id }; this.showClaim(this.item); }
      announce(take ? _("You are reviewing this item.") : _("Review given back to the queue."));
    } catch (err) {
      toast(problemMessage(err, _("Review")));
    } finally {
      button.disabled = false;
    }
  }

  /** "1 approbation sur 2" while a group that needs two approvals waits for the second. */
  showApprovals() {
    const box = this.$("review-approvals");
    const required = this.config.required_approvals || 1;
    const current = (this.rounds || []).find((r) => r.open);
    if (!this.item || this.item.state !== "in_review" || required < 2 || !current) { box.hidden = true; return; }
    const approvals = current.decisions.filter((d) => d.decision === "approve");
    const n = approvals.length;
    box.textContent = ngettext("%(num)s approval out of %(total)s", "%(num)s approvals out of %(total)s", n,
      { total: required })
      + (n ? " — " + approvals.map((d) => d.reviewer?.display_name || "?").join(", ") : "");
    box.hidden = false;
    // The same lead may not give both approvals (the server refuses it too).
    if (approvals.some((d) => d.reviewer?.id === this.config.user.id)) this.$("review-approve").disabled = true;
  }

  // ---- review rounds: who submitted, what changed, who decided what

  renderRounds(rounds) {
    this.rounds = rounds;
    const section = this.$("rounds-section");
    section.hidden = !rounds.length;
    const nodes = [...rounds].reverse().map((r) => el("li", { class: r.open ? "round open" : "round", dataset: { round: r.round } },
      el("h4", { text: _("Round %(num)s", { num: r.round }) + (r.open ? " · " + _("in progress") : "") }),
      el("p", { class: "round-submit muted", text: r.submitted_by
        ? _("Submitted by %(name)s on %(when)s", { name: r.submitted_by.display_name, when: localDate(r.submitted_at) })
        : _("Submitted for review") }),
      this.changesNode(r),
      el("ul", { class: "round-decisions" }, ...(r.decisions.length ? r.decisions.map((d) => el("li",
        { class: `decision decision-${d.decision}` },
        el("p", {}, el("strong", { text: d.reviewer?.display_name || "?" }), " · ",
          el("span", { class: "decision-name", text: DECISIONS[d.decision] || d.decision }), " · ",
          el("time", { class: "muted", datetime: d.created_at, text: localDate(d.created_at) })),
        d.comment ? el("blockquote", { text: d.comment }) : null))
        : [el("li", { class: "muted", text: r.open ? _("Waiting for a decision.") : _("No decision.") })]))));
    this.$("rounds-list").replaceChildren(...nodes);
    this.showApprovals();
  }

  changesNode(r) {
    if (!r.changes?.length) {
      return el("p", { class: "round-changes muted", text: r.round === 1 ? _("First submission.")
        : _("No change to the content since the previous decision.") });
    }
    return el("details", { class: "round-changes", open: r.open },
      el("summary", { text: _("What changed: %(fields)s", { fields: r.changes.map((c) => FIELD_LABELS[c.field] || c.label || c.field).join(", ") }) }),
      ...r.changes.map((c) => el("div", { class: "diff" },
        el("p", { class: "diff-field", text: FIELD_LABELS[c.field] || c.label || c.field }),
        el("pre", { class: "diff-lines" }, ...(c.lines || []).map((line) => el("span", {
          class: DIFF_CLASS[line.op] || "diff-same", text: `${DIFF_SIGN[line.op] || "  "}${line.text}` }))))));
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
    const [rendered, comments, history, rounds] = await Promise.allSettled([
      get(`/items/${itemId}/rendered`), get(`/api/v1/items/${itemId}/comments`),
      get(`/api/v1/items/${itemId}/history`), get(`/api/v1/items/${itemId}/rounds`)]);
    if (this.openId !== itemId) return;
    if (rendered.status === "fulfilled") {
      // Sanitised on the server (workflow.markdown: markdown-it + nh3), never raw user text.
      this.$("body-html").innerHTML = rendered.value.body_html;
      if (!this.$("body-preview-box").open) this.$("body-preview").innerHTML = rendered.value.body_html;
    }
    if (comments.status === "fulfilled") this.renderComments(comments.value);
    if (history.status === "fulfilled") this.renderHistory(history.value);
    if (rounds.status === "fulfilled") this.renderRounds(rounds.value);
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
      this.commentBody(c));
  }

  /** The comment's Markdown, rendered and sanitised by the server (nh3); plain text if absent. */
  commentBody(c) {
    const body = el("div", { class: "comment-body markdown" });
    if (typeof c.body_html === "string") body.innerHTML = c.body_html;  // sanitised server-side
    else body.textContent = c.body || "";
    return body;
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
      case "item.claimed": return _("took the review");
      case "item.unclaimed": return _("gave the review back to the queue");
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
    if ("claimed_by_id" in evt.item && evt.item.version >= this.item.version) {
      this.item = { ...this.item, claimed_by_id: evt.item.claimed_by_id };
      this.showClaim(this.item);
    }
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
