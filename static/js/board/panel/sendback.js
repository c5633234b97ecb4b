/** Edits after approval, told before they are saved: a content change (the server's one list,
 * ``content_fields``) of an approved or scheduled item, by anyone, sends it back to review;
 * a scheduled one keeps its slot, held until a new approval puts it back on it. */
import { localDate } from "../../dom.js";
import { _ } from "../../i18n.js";
import { changesOf } from "./fields.js";

/** Whether saving the form's ``changes`` of ``item`` sends it back to review. */
export function sendsBack(config, item, changes) {
  if (!item || !config.approval_covered_states.includes(item.state)) return false;
  return Object.keys(changes).some((name) => config.content_fields.includes(name));
}

/** Show or hide the warning above the save button, and name the button for what it does. */
export function showSendBack(panel) {
  const box = panel.$("edit-sendback");
  const button = panel.$("edit-save");
  const item = panel.item;
  const back = Boolean(item) && sendsBack(panel.config, item, changesOf(panel.form, item));
  box.hidden = !back;
  button.textContent = back ? _("Save and send back to review") : _("Save");
  if (!back) return;
  box.textContent = item.state === panel.config.states.SCHEDULED
    ? _("Saving sends this item back to review: its approval covers its content. Its slot of %(slot)s stays held on the calendar, and a new approval puts it back on it.",
      { slot: localDate(item.scheduled_at) })
    : _("Saving sends this item back to review: its approval covers its content.");
}

/** What the toast says once saved: back in review (with the held slot), or just saved. */
export function savedMessage(before, after) {
  if (after.state !== before.state && after.held_slot_at) {
    return _("Saved. The item is back in review; its slot of %(slot)s is held until it is approved again.",
      { slot: localDate(after.held_slot_at) });
  }
  if (after.state !== before.state) return _("Saved. The item is back in review.");
  return _("Changes saved.");
}
