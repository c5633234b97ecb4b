/** The calendar's subscription box: copy the iCal address, or replace it with a new one. */
import { problemMessage, toast } from "../dom.js";
import { post } from "../http.js";
import { _ } from "../i18n.js";

export function bindFeeds() {
  document.getElementById("copy-ical").addEventListener("click", async () => {
    const input = document.getElementById("ical-url");
    input.select();
    try { await navigator.clipboard.writeText(input.value); toast(_("Address copied."), { kind: "ok", timeout: 3000 }); }
    catch { toast(_("Copy the selected address with Ctrl+C."), { kind: "ok", timeout: 5000 }); }
  });
  document.getElementById("regenerate-ical").addEventListener("click", async () => {
    if (!window.confirm(_("Create a new address? The old one will stop working in your calendars."))) return;
    try {
      const data = await post("/api/v1/me/feed-token", {});
      document.getElementById("ical-url").value = data.ical_url;
      toast(_("New address created: update it in your calendar."), { kind: "ok", timeout: 5000 });
    } catch (err) {
      toast(problemMessage(err, _("New address")));
    }
  });
}
