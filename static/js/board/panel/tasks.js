/** The panel's to-do list ("Task list"): tick, add, rename and delete tasks, with who ticked
 * each and when, and the list's progress. Every control is a native one (checkbox, buttons, a
 * text field where Enter saves and Escape cancels), so it is all usable from the keyboard.
 * Live `task.*` events from anyone update the list; the card's "☑ 2/5" follows the item
 * those events carry (cards.js). Tasks are not content: ticking one never sends an item back
 * to review, and the item's version does not change. */
import { announce, el, localDate, problemMessage } from "../../dom.js";
import { patch, post, request } from "../../http.js";
import { _ } from "../../i18n.js";

/** Whether two dumps of a task say the same (the REST answer and the live event's). */
function sameTask(a, b) {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

export class Tasks {
  constructor(panel) {
    this.panel = panel;
    this.list = panel.$("task-list");
    this.form = panel.$("task-add-form");
    this.input = panel.$("task-add-text");
    this.error = panel.$("task-error");
    this.progress = panel.$("tasks-progress");
    this.tasks = [];
    this.loaded = false;
    this.renaming = null;  // the id of the task whose text is being edited
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.add(); });
    this.list.addEventListener("change", (e) => {
      if (e.target.matches("input[type=checkbox]")) this.tick(Number(e.target.dataset.id), e.target.checked, e.target);
    });
    this.list.addEventListener("click", (e) => this.clicked(e));
    this.list.addEventListener("keydown", (e) => this.keyed(e));
  }

  /** Whether the open item's tasks may be changed (the same rule as editing it). */
  get enabled() {
    const { item, config } = this.panel;
    return Boolean(item) && config.can_edit && !item.deleted && config.editable_states.includes(item.state);
  }

  loading() {
    this.tasks = [];
    this.loaded = false;
    this.renaming = null;
    this.error.hidden = true;
    this.progress.textContent = "";
    this.list.replaceChildren(el("li", { class: "muted", text: _("Loading…") }));
  }

  /** The open item was shown again (its state may have changed): the controls follow. */
  refresh() { if (this.loaded) this.render(this.tasks); }

  render(tasks) {
    this.tasks = [...tasks].sort((a, b) => a.position - b.position || a.id - b.id);
    this.loaded = true;
    this.form.hidden = !this.enabled;
    const done = this.tasks.filter((t) => t.done).length;
    this.progress.textContent = this.tasks.length ? `${done}/${this.tasks.length}` : "";
    const focused = this.focusKey();
    const nodes = this.tasks.map((t) => this.node(t));
    this.list.replaceChildren(...(nodes.length ? nodes
      : [el("li", { class: "muted empty", text: _("No task yet.") })]));
    this.refocus(focused);
  }

  /** Which control has the focus (task id and kind), to give it back after a redraw. */
  focusKey() {
    const active = document.activeElement;
    if (!active || !this.list.contains(active)) return null;
    return { id: active.closest(".task")?.dataset.id, kind: active.dataset.kind };
  }

  refocus(key) {
    if (!key) return;
    const target = this.list.querySelector(`.task[data-id="${Number(key.id)}"] [data-kind="${key.kind}"]`)
      || this.list.querySelector("[data-kind=check]") || this.input;
    target?.focus();
  }

  node(task) {
    const editable = this.enabled;
    const id = `task-${task.id}`;
    const check = el("input", { type: "checkbox", id, checked: task.done, disabled: !editable,
      dataset: { id: task.id, kind: "check" } });
    const text = this.renaming === task.id && editable
      ? el("input", { class: "task-rename", value: task.text, maxlength: this.panel.config.max_task_text,
        "aria-label": _("New text of the task"), dataset: { id: task.id, kind: "rename" } })
      : el("label", { for: id, class: "task-text", text: task.text });
    const who = task.done && task.done_by
      ? el("span", { class: "muted task-who", text: _("done by %(name)s, %(when)s",
        { name: task.done_by.display_name, when: localDate(task.done_at) }) })
      : null;
    const actions = editable ? el("span", { class: "task-actions" },
      this.renaming === task.id
        ? el("button", { type: "button", class: "secondary small", dataset: { action: "save", id: task.id, kind: "save" }, text: _("Save") })
        : el("button", { type: "button", class: "secondary small", dataset: { action: "rename", id: task.id, kind: "edit" },
          "aria-label": _("Rename “%(text)s”", { text: task.text }), text: _("Rename") }),
      el("button", { type: "button", class: "secondary small danger-text", dataset: { action: "delete", id: task.id, kind: "delete" },
        "aria-label": _("Delete the task “%(text)s”", { text: task.text }), text: _("Delete") })) : null;
    return el("li", { class: task.done ? "task done" : "task", dataset: { id: task.id } },
      check, el("span", { class: "task-body" }, text, who), actions);
  }

  showError(err, what) {
    this.error.textContent = problemMessage(err, what);
    this.error.hidden = false;
  }

  /** Put the server's ``task`` in the list (new or changed). */
  put(task) {
    if (!this.loaded || task.item_id !== this.panel.item?.id) return;
    // The live echo of one's own change brings nothing new: redrawing for it would replace
    // the checkbox a person is pressing Space on (between keydown and keyup: no tick).
    const known = this.tasks.find((t) => t.id === task.id);
    if (known && sameTask(known, task)) return;
    const others = this.tasks.filter((t) => t.id !== task.id);
    this.render([...others, task]);
  }

  drop(taskId) {
    if (!this.loaded) return;
    if (this.renaming === taskId) this.renaming = null;
    this.render(this.tasks.filter((t) => t.id !== taskId));
  }

  async add() {
    const text = this.input.value.trim();
    const item = this.panel.item;
    if (!text || !item) { this.input.focus(); return; }
    this.error.hidden = true;
    try {
      const task = await post(`/api/v1/items/${item.id}/tasks`, { text });
      this.input.value = "";
      this.put(task);
      this.input.focus();
      announce(_("Task added: %(text)s", { text: task.text }));
    } catch (err) {
      this.showError(err, _("Adding the task"));  // the text stays in the box
    }
  }

  async tick(id, done, box) {
    this.error.hidden = true;
    try {
      const task = await patch(`/api/v1/tasks/${id}`, { done });
      this.put(task);
      announce(done ? _("Task done: %(text)s", { text: task.text }) : _("Task to do again: %(text)s", { text: task.text }));
    } catch (err) {
      box.checked = !done;
      this.showError(err, _("Ticking the task"));
    }
  }

  async rename(id) {
    const field = this.list.querySelector(`.task-rename[data-id="${id}"]`);
    const text = field?.value.trim();
    if (!text) { field?.focus(); return; }
    try {
      const task = await patch(`/api/v1/tasks/${id}`, { text });
      this.renaming = null;
      this.put(task);
      this.list.querySelector(`[data-kind=edit][data-id="${id}"]`)?.focus();
      announce(_("Task renamed: %(text)s", { text: task.text }));
    } catch (err) {
      this.showError(err, _("Renaming the task"));
    }
  }

  async clicked(e) {
    const button = e.target.closest("button[data-action]");
    if (!button) return;
    const id = Number(button.dataset.id);
    if (button.dataset.action === "rename") {
      this.renaming = id;
      this.render(this.tasks);
      const field = this.list.querySelector(`.task-rename[data-id="${id}"]`);
      field?.focus();
      field?.select();
    } else if (button.dataset.action === "save") {
      this.rename(id);
    } else if (button.dataset.action === "delete") {
      button.disabled = true;
      try {
        await request("DELETE", `/api/v1/tasks/${id}`);
        this.drop(id);
        announce(_("Task deleted."));
      } catch (err) {
        button.disabled = false;
        this.showError(err, _("Deleting the task"));
      }
    }
  }

  keyed(e) {
    if (!e.target.matches(".task-rename")) return;
    const id = Number(e.target.dataset.id);
    if (e.key === "Enter") { e.preventDefault(); this.rename(id); }
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();  // closes the rename, not the panel
      this.renaming = null;
      this.render(this.tasks);
      this.list.querySelector(`[data-kind=edit][data-id="${id}"]`)?.focus();
    }
  }

  /** A live event about the open item: a task added, changed or deleted by anyone. */
  onEvent(evt) {
    const { events } = this.panel.config;
    if ((evt.type === events.TASK_CREATED || evt.type === events.TASK_UPDATED) && evt.task) {
      if (this.renaming === evt.task.id) return;  // the text being written wins until saved
      this.put(evt.task);
    } else if (evt.type === events.TASK_DELETED) {
      this.drop(evt.task_id);
    }
  }
}
