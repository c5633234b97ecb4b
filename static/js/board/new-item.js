/** The "New item" dialog: create an item in this group; a refusal is shown in the form,
 * which keeps everything typed. */
import { announce, problemMessage } from "../dom.js";
import { post } from "../http.js";
import { _ } from "../i18n.js";
import { fromLocalInput } from "./due.js";
import { applyFilters, learnLabels } from "./filters.js";
import { config, label } from "./page.js";

const newDialog = document.getElementById("new-item-dialog");
const newForm = document.getElementById("new-item-form");

function bodyOf(f) {
  const body = {
    title: f.title.value.trim(), resource_type: f.resource_type.value, summary: f.summary.value,
    body: f.body.value, labels: f.labels.value.split(",").map((s) => s.trim()).filter(Boolean),
    assignees: [...newForm.querySelectorAll('input[name="assignees"]:checked')].map((o) => o.value),
  };
  if (f.resource_url.value.trim()) body.resource_url = f.resource_url.value.trim();
  if (f.due_at.value) body.due_at = fromLocalInput(f.due_at.value);
  return body;
}

export function bindNewItem(cards) {
  document.getElementById("new-item-button")?.addEventListener("click", () => {
    newDialog.showModal();
    newForm.elements.title.focus();
  });
  newDialog.addEventListener("click", (e) => { if (e.target.closest("[data-close]")) newDialog.close(); });
  newForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = newForm.elements;
    const error = document.getElementById("new-item-error");
    if (!f.title.value.trim()) {
      error.textContent = _("Give the item a title.");
      error.hidden = false;
      f.title.focus();
      return;
    }
    const body = bodyOf(f);
    const submit = newForm.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      const item = await post(`/api/v1/groups/${config.group_id}/items`, body);
      learnLabels(item);
      const result = cards.upsert(item);
      newForm.reset();
      error.hidden = true;
      newDialog.close();
      if (result?.card) { applyFilters(result.card); result.card.querySelector(".card-title").focus(); }
      announce(_("“%(title)s” added to “%(column)s”.", { title: item.title, column: label(item.state) }));
    } catch (err) {
      const fields = Object.entries(err.problem?.errors || {})
        .map(([name, msgs]) => `${name} : ${[].concat(msgs).flat().join(" ")}`);
      error.textContent = [problemMessage(err, _("Creation")), ...fields].join(" — ");
      error.hidden = false;  // the form keeps everything typed
    } finally {
      submit.disabled = false;
    }
  });
}
