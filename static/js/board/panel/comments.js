/** The panel's comments: the list (Markdown rendered and sanitised by the server), the ones
 * arriving live, and the form to add one. */
import { announce, el, localDate, problemMessage, toast } from "../../dom.js";
import { post } from "../../http.js";
import { _ } from "../../i18n.js";

/** The comment's Markdown, rendered and sanitised by the server (nh3); plain text if absent. */
function commentBody(c) {
  const body = el("div", { class: "comment-body markdown" });
  if (typeof c.body_html === "string") body.innerHTML = c.body_html;  // sanitised server-side
  else body.textContent = c.body || "";
  return body;
}

function commentNode(c) {
  return el("li", { class: "comment", dataset: { id: c.id } },
    el("p", { class: "comment-meta" }, el("strong", { text: c.author?.display_name || "?" }),
      " · ", el("time", { datetime: c.created_at, text: localDate(c.created_at) })),
    commentBody(c));
}

export class Comments {
  constructor(panel) {
    this.panel = panel;
    this.list = panel.$("comments-list");
    panel.$("comment-add-form").addEventListener("submit", (e) => { e.preventDefault(); this.add(); });
  }

  loading() { this.list.replaceChildren(el("li", { class: "muted", text: _("Loading…") })); }

  render(comments) {
    const nodes = comments.map(commentNode);
    this.list.replaceChildren(...(nodes.length ? nodes
      : [el("li", { class: "muted empty", text: _("No comment yet.") })]));
  }

  append(c) {
    if (this.list.querySelector(`[data-id="${Number(c.id)}"]`)) return;
    this.list.querySelector(".empty")?.remove();
    this.list.append(commentNode(c));
  }

  async add() {
    const box = this.panel.$("comment-add-text");
    const body = box.value.trim();
    if (!body || !this.panel.item) { box.focus(); return; }
    try {
      const comment = await post(`/api/v1/items/${this.panel.item.id}/comments`, { body });
      box.value = "";
      this.append(comment);
      announce(_("Comment posted."));
    } catch (err) {
      toast(problemMessage(err, "Commentaire"));  // the text stays in the box
    }
  }
}
