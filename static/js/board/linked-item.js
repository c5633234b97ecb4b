/** ?item=<id> (links from notifications): open the panel of the item a link names, on this
 * board or in its hidden columns, or say why not. */
import { toast } from "../dom.js";
import { _ } from "../i18n.js";
import { config, label, states } from "./page.js";

export async function openLinkedItem(itemId, { cards, panel }) {
  if (!itemId) return;
  if (cards.card(itemId)) {
    cards.card(itemId).scrollIntoView({ block: "nearest", inline: "nearest" });
    await panel.open(itemId);
    return;
  }
  const item = await panel.open(itemId, { quiet: true });
  if (item && item.group_id === config.group_id) {
    panel.notice("panel-others", _("“%(title)s” is not shown on the board (column “%(column)s”): "
      + "here are its details.", { title: item.title, column: label(item.deleted ? states.TRASH : item.state) }));
  } else if (item) {
    panel.dialog.close();
    toast(_("This item belongs to another group: open it from that group’s board."));
  } else {
    toast(_("The item of this link no longer exists or you may not see it."));
  }
}
