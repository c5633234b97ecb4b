/** The panel's review section, for leads: take or give back the review (claims, so two
 * leads don't review the same item), the approvals so far, and the decision buttons. */
import { announce, problemMessage, toast } from "../../dom.js";
import { get, post, request } from "../../http.js";
import { _, ngettext } from "../../i18n.js";

export const DECISIONS = { approve: _("Approved"), request_changes: _("Changes requested"), reject: _("Rejected") };

export class Review {
  constructor(panel) {
    this.panel = panel;
    panel.$("claim-take").addEventListener("click", () => this.claim(true));
    panel.$("claim-release").addEventListener("click", () => this.claim(false));
    panel.$("review-section").addEventListener("click", (e) => {
      const button = e.target.closest("[data-decision]");
      if (button) this.decide(button.dataset.decision);
    });
  }

  inReview(item) { return item.state === this.panel.config.states.IN_REVIEW && !item.deleted; }

  /** Show the section (and who holds the review) for ``item``. */
  show(item) {
    const { config } = this.panel;
    this.panel.$("review-section").hidden = !(config.is_lead && this.inReview(item));
    // Four-eyes: on her own item a lead may neither approve, request changes nor reject (the
    // server refuses each with a 403); the buttons are disabled and the reason shown under them.
    const own = item.author?.username === config.user.username;
    for (const button of this.panel.$("review-section").querySelectorAll("[data-decision]")) {
      button.disabled = own;
      // The reason a disabled button is read with: four-eyes, else (approve) a second approval by the same lead.
      const why = own ? "review-own" : button.id === "review-approve" ? "review-already" : null;
      if (why) button.setAttribute("aria-describedby", why);
      else button.removeAttribute("aria-describedby");
    }
    this.panel.$("review-own").hidden = !own;
    this.panel.$("review-already").hidden = true;
    this.showClaim(item);
    this.showApprovals();
  }

  showClaim(item) {
    const { config, cards } = this.panel;
    const box = this.panel.$("panel-claim");
    box.hidden = !this.inReview(item);
    if (box.hidden) return;
    const me = config.user.id;
    const by = item.claimed_by_id;
    const own = item.author?.username === config.user.username;
    this.panel.$("claim-status").textContent = !by ? _("Nobody has taken this review yet.")
      : by === me ? _("You are reviewing this item.")
        : _("Claimed by %(name)s", { name: cards.nameOf(by) });
    this.panel.$("claim-take").hidden = !(config.is_lead && !by && !own);
    this.panel.$("claim-release").hidden = !(config.is_lead && by === me);
  }

  async claim(take) {
    const panel = this.panel;
    if (!panel.item) return;
    const id = panel.item.id;
    const button = panel.$(take ? "claim-take" : "claim-release");
    button.disabled = true;
    try {
      const item = take ? await post(`/api/v1/items/${id}/claim`, {}) : await request("DELETE", `/api/v1/items/${id}/claim`);
      panel.cards.upsert(item);
      if (panel.openId === id) { panel.item = { ...panel.item, claimed_by_id: item.claimed_by_id }; this.showClaim(panel.item); }
      announce(take ? _("You are reviewing this item.") : _("Review given back to the queue."));
    } catch (err) {
      toast(problemMessage(err, _("Review")));
    } finally {
      button.disabled = false;
    }
  }

  /** "1 approbation sur 2" while a group that needs two approvals waits for the second. */
  showApprovals() {
    const { config, item, rounds } = this.panel;
    const box = this.panel.$("review-approvals");
    const required = config.required_approvals || 1;
    const current = (rounds || []).find((r) => r.open);
    if (!item || item.state !== config.states.IN_REVIEW || required < 2 || !current) { box.hidden = true; return; }
    const approvals = current.decisions.filter((d) => d.decision === "approve");
    const n = approvals.length;
    box.textContent = ngettext("%(num)s approval out of %(total)s", "%(num)s approvals out of %(total)s", n,
      { total: required })
      + (n ? " — " + approvals.map((d) => d.reviewer?.display_name || "?").join(", ") : "");
    box.hidden = false;
    // The same lead may not give both approvals (the server refuses it too): the button says why beside it.
    const mine = approvals.some((d) => d.reviewer?.id === config.user.id);
    if (mine) this.panel.$("review-approve").disabled = true;
    this.panel.$("review-already").hidden = !mine;
  }

  /** The toast after an approval: "1 approbation sur 2" while the group waits for another lead. */
  async approvalMessage(item) {
    const required = this.panel.config.required_approvals || 1;
    if (required < 2 || item.state !== this.panel.config.states.IN_REVIEW) return null;
    const rounds = await get(`/api/v1/items/${item.id}/rounds`).catch(() => null);
    const current = (rounds || []).find((r) => r.open);
    const n = current ? current.decisions.filter((d) => d.decision === "approve").length : 1;
    return ngettext("%(num)s approval out of %(total)s", "%(num)s approvals out of %(total)s", n, { total: required })
      + " — " + _("another lead of the group must give the next approval.");
  }

  async decide(decision) {
    const panel = this.panel;
    if (!panel.item) return;
    const comment = panel.$("review-comment").value.trim();
    if (decision !== "approve" && !comment) {
      panel.$("review-comment").focus();
      toast(_("Write a comment to request changes or reject."));
      return;
    }
    try {
      const review = await post(`/api/v1/items/${panel.item.id}/reviews`, { decision, comment, version: panel.item.version });
      panel.$("review-comment").value = "";
      const item = await get(`/api/v1/items/${panel.item.id}`);
      panel.cards.upsert(item);
      panel.show(item);
      panel.loadExtras(item.id);
      const partial = decision === "approve" ? await this.approvalMessage(item) : null;
      const done = partial || { approve: _("Proposal approved."), request_changes: _("Changes requested."),
        reject: _("Proposal rejected.") }[decision];
      // A slot held while the item was back in review: kept (back on the calendar), or why not.
      const slot = review.held_slot;
      const message = slot ? `${done} ${slot.message}` : done;
      announce(message);
      toast(message, { kind: slot && !slot.restored ? "error" : "ok", timeout: slot ? 8000 : 2500 });
    } catch (err) {
      toast(problemMessage(err, _("Decision")));
    }
  }
}
