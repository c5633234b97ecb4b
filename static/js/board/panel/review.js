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
    const own = item.author?.username === config.user.username;
    this.panel.$("review-approve").disabled = own;
    this.panel.$("review-own").hidden = !own;
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
    // The same lead may not give both approvals (the server refuses it too).
    if (approvals.some((d) => d.reviewer?.id === config.user.id)) this.panel.$("review-approve").disabled = true;
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
      await post(`/api/v1/items/${panel.item.id}/reviews`, { decision, comment, version: panel.item.version });
      panel.$("review-comment").value = "";
      const item = await get(`/api/v1/items/${panel.item.id}`);
      panel.cards.upsert(item);
      panel.show(item);
      panel.loadExtras(item.id);
      announce(_("Decision saved: %(decision)s.", { decision: DECISIONS[decision] }));
      toast(_("Decision saved: %(decision)s.", { decision: DECISIONS[decision] }), { kind: "ok", timeout: 2500 });
    } catch (err) {
      toast(problemMessage(err, _("Decision")));
    }
  }
}
