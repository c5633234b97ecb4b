/** The panel's attachments: the list (a thumbnail for each image, a link to every file),
 * upload by the button, by dropping files onto the panel or by pasting them, deletion, and
 * which image is the card's cover. The server checks every file (type from its content,
 * size); its refusal is shown as it words it. */
import { announce, el, problemMessage } from "../../dom.js";
import { ApiError, patch, request } from "../../http.js";
import { _ } from "../../i18n.js";

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || "";
const mib = (bytes) => {
  const value = bytes / (1024 * 1024);
  return value >= 10 || Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1);
};
const sizeText = (bytes) => (bytes >= 1024 * 1024 ? _("%(n)s MiB", { n: mib(bytes) })
  : _("%(n)s KiB", { n: Math.max(1, Math.round(bytes / 1024)) }));

/** POST one file as multipart/form-data; the answer's JSON, or ApiError. */
async function send(url, file) {
  const body = new FormData();
  body.append("file", file, file.name || "image.png");
  let response;
  try {
    response = await fetch(url, { method: "POST", body, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() } });
  } catch {
    throw new ApiError(0, { detail: _("The server does not answer. Check your connection and try again: nothing was lost.") });
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export class Attachments {
  constructor(panel) {
    this.panel = panel;
    this.list = panel.$("attachments-list");
    this.error = panel.$("attach-error");
    this.input = panel.$("attach-input");
    this.items = [];
    panel.$("attach-button").addEventListener("click", () => this.input.click());
    this.input.addEventListener("change", () => { this.upload([...this.input.files]); this.input.value = ""; });
    this.list.addEventListener("click", (e) => this.clicked(e));
    const dialog = panel.dialog;
    dialog.addEventListener("dragover", (e) => {
      if (!this.accepts(e)) return;
      e.preventDefault();
      dialog.classList.add("drop-target");
    });
    dialog.addEventListener("dragleave", (e) => { if (!dialog.contains(e.relatedTarget)) dialog.classList.remove("drop-target"); });
    dialog.addEventListener("drop", (e) => {
      dialog.classList.remove("drop-target");
      if (!this.accepts(e)) return;
      e.preventDefault();
      this.upload([...e.dataTransfer.files]);
    });
    dialog.addEventListener("paste", (e) => {
      const files = [...(e.clipboardData?.files || [])];
      if (!files.length || !this.enabled) return;
      e.preventDefault();
      this.upload(files);
    });
  }

  /** Whether files may be added to the open item (the same rule as editing it). */
  get enabled() {
    const { item, config } = this.panel;
    return Boolean(item) && config.can_edit && !item.deleted && config.editable_states.includes(item.state);
  }

  accepts(e) { return this.enabled && [...(e.dataTransfer?.types || [])].includes("Files"); }

  loading() {
    this.items = [];
    this.loaded = false;
    this.error.hidden = true;
    this.list.replaceChildren(el("li", { class: "muted", text: _("Loading…") }));
  }

  /** The open item was shown again (a new version): its cover mark and controls follow. */
  refresh() { if (this.loaded) this.render(this.items); }

  /** Show the list; the add controls only where files may be added. */
  render(attachments, cover = this.panel.item?.cover?.id) {
    this.items = attachments;
    this.loaded = true;
    this.panel.$("attach-add").hidden = !this.enabled;
    const nodes = attachments.map((a) => this.node(a, a.id === cover));
    this.list.replaceChildren(...(nodes.length ? nodes
      : [el("li", { class: "muted empty", text: _("No attachment yet.") })]));
  }

  node(a, isCover) {
    const editable = this.enabled;
    const preview = a.thumbnail_url
      ? el("img", { class: "attachment-thumb", src: a.thumbnail_url, alt: "", loading: "lazy" })
      : el("span", { class: "attachment-icon", "aria-hidden": "true", text: (a.filename.split(".").pop() || "?").slice(0, 4) });
    const actions = el("span", { class: "attachment-actions" });
    if (editable && a.thumbnail_url) {
      actions.append(isCover
        ? el("button", { type: "button", class: "secondary small", dataset: { action: "uncover", id: a.id }, text: _("Remove the cover") })
        : el("button", { type: "button", class: "secondary small", dataset: { action: "cover", id: a.id }, text: _("Use as cover") }));
    }
    if (editable) {
      actions.append(el("button", { type: "button", class: "secondary small danger-text", dataset: { action: "delete", id: a.id },
        "aria-label": _("Delete “%(name)s”", { name: a.filename }), text: _("Delete") }));
    }
    return el("li", { class: isCover ? "attachment is-cover" : "attachment", dataset: { id: a.id } },
      preview,
      el("span", { class: "attachment-text" },
        el("a", { href: a.url, class: "attachment-name", target: "_blank", rel: "noopener", text: a.filename }),
        el("span", { class: "muted attachment-size" }, sizeText(a.size),
          isCover ? el("strong", { class: "cover-badge", text: " · " + _("Cover") }) : null)),
      actions);
  }

  showError(message) {
    this.error.textContent = message;
    this.error.hidden = false;
  }

  /** Send ``files`` one after the other; each refusal is said, the others still go. */
  async upload(files) {
    const item = this.panel.item;
    if (!item || !files.length || !this.enabled) return;
    this.error.hidden = true;
    const limit = this.panel.config.max_attachment_bytes;
    const errors = [];
    for (const file of files) {
      if (limit && file.size > limit) {
        errors.push(_("“%(name)s” is larger than the limit of %(limit)s MiB per attachment.", { name: file.name, limit: mib(limit) }));
        continue;
      }
      try {
        const attachment = await send(`/api/v1/items/${item.id}/attachments`, file);
        if (this.panel.openId !== item.id) return;
        this.add(attachment);
        announce(_("“%(name)s” attached.", { name: attachment.filename }));
      } catch (err) {
        errors.push(problemMessage(err, _("Sending “%(name)s”", { name: file.name || _("the file") })));
      }
    }
    if (errors.length) this.showError(errors.join(" "));
  }

  add(attachment) {
    if (this.items.some((a) => a.id === attachment.id)) return;
    this.render([...this.items, attachment]);
  }

  async clicked(e) {
    const button = e.target.closest("button[data-action]");
    if (!button || !this.panel.item) return;
    const id = Number(button.dataset.id);
    const action = button.dataset.action;
    button.disabled = true;
    try {
      if (action === "delete") {
        await request("DELETE", `/api/v1/attachments/${id}`);
        this.render(this.items.filter((a) => a.id !== id));
        announce(_("Attachment deleted."));
      } else {
        const item = this.panel.item;
        const updated = await patch(`/api/v1/items/${item.id}`,
          { cover_attachment_id: action === "cover" ? id : null, version: item.version });
        this.rebase(updated);
        this.render(this.items);
      }
    } catch (err) {
      this.showError(problemMessage(err, action === "delete" ? _("Deletion") : _("Cover")));
      button.disabled = false;
    }
  }

  /** The item moved on by a change of its files or cover only: the form's base follows it
   * (its version and cover), so a draft being written does not turn into a conflict. */
  rebase(item) {
    const mine = this.panel.item;
    if (!mine || item.id !== mine.id || item.version < mine.version) return;
    this.panel.item = { ...mine, version: item.version, cover: item.cover, updated_at: item.updated_at };
  }

  /** A live event about the open item: attachments added or removed by anyone. */
  onEvent(evt) {
    const { events } = this.panel.config;
    if (evt.type === events.ATTACHMENT_CREATED && evt.attachment) {
      this.rebase(evt.item);
      this.add(evt.attachment);
    } else if (evt.type === events.ATTACHMENT_DELETED) {
      this.rebase(evt.item);
      this.render(this.items.filter((a) => a.id !== evt.attachment_id));
    } else if (this.loaded && evt.item && evt.item.version > this.panel.item.version) {
      this.render(this.items, evt.item.cover?.id);  // the rest of the item is the panel's to follow
    }
  }
}
