/** The panel's « Suivre » / « Ne plus suivre » toggle: a button with aria-pressed and the
 * number of followers beside it. Following is the person's own choice (services/watches.py):
 * followers are notified of the item's edits, comments, decisions, scheduling and publication.
 * The state is read from /api/v1/items/<id>/watch with the panel's other parts, so a comment
 * (which makes its writer follow) shows up here too. */
import { announce, problemMessage, toast } from "../../dom.js";
import { get, request } from "../../http.js";
import { _, ngettext } from "../../i18n.js";

export class Follow {
  constructor(panel) {
    this.panel = panel;
    this.box = panel.$("panel-follow");
    this.button = panel.$("follow-toggle");
    this.count = panel.$("follow-count");
    this.state = null;
    this.button.addEventListener("click", () => this.toggle());
  }

  loading() {
    this.state = null;
    this.box.hidden = true;
  }

  async load(itemId) {
    try {
      const state = await get(`/api/v1/items/${itemId}/watch`);
      if (this.panel.openId === itemId) this.render(state);
    } catch (err) {
      // The toggle stays hidden: the rest of the panel works without it.
    }
  }

  render(state) {
    this.state = state;
    this.box.hidden = false;
    this.button.setAttribute("aria-pressed", state.watching ? "true" : "false");
    this.button.textContent = state.watching ? _("Unfollow") : _("Follow");
    this.count.textContent = ngettext("%(num)s follower", "%(num)s followers", state.followers);
  }

  async toggle() {
    const item = this.panel.item;
    if (!item || !this.state) return;
    const follow = !this.state.watching;
    this.button.disabled = true;
    try {
      const state = await request(follow ? "POST" : "DELETE", `/api/v1/items/${item.id}/watch`);
      if (this.panel.openId !== item.id) return;
      this.render(state);
      announce(follow ? _("You follow this item: you will be notified of its news.")
        : _("You no longer follow this item."));
    } catch (err) {
      toast(problemMessage(err, follow ? _("Follow") : _("Unfollow")));
    } finally {
      this.button.disabled = false;
    }
  }
}
