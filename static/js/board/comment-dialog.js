/** The dialog asking for the comment a transition needs (request changes, reject). */
import { _ } from "../i18n.js";
import { label, states, titleOf } from "./page.js";

const commentDialog = document.getElementById("comment-dialog");
commentDialog.addEventListener("click", (e) => {
  if (e.target.closest("[data-close]")) commentDialog.close();
});

/** Ask for the comment a transition needs. Resolves to the text, or null if cancelled. */
export function askComment(card, target) {
  const rejected = target === states.REJECTED;
  const why = rejected
    ? _("Explain why “%(title)s” is rejected: the author will read this reason.", { title: titleOf(card) })
    : _("Tell the author what to change in “%(title)s” before sending it back to “%(column)s”.",
      { title: titleOf(card), column: label(target) });
  document.getElementById("comment-title").textContent =
    rejected ? _("Reason for rejection") : _("Changes requested");
  document.getElementById("comment-why").textContent = why;
  const text = document.getElementById("comment-text");
  const error = document.getElementById("comment-error");
  text.value = "";
  error.hidden = true;
  return new Promise((resolve) => {
    const form = document.getElementById("comment-form");
    const done = (value) => {
      form.removeEventListener("submit", onSubmit);
      commentDialog.removeEventListener("close", onClose);
      if (commentDialog.open) commentDialog.close();
      resolve(value);
    };
    const onSubmit = (e) => {
      e.preventDefault();
      if (!text.value.trim()) { error.hidden = false; text.focus(); return; }
      done(text.value.trim());
    };
    const onClose = () => done(null);
    form.addEventListener("submit", onSubmit);
    commentDialog.addEventListener("close", onClose);
    commentDialog.showModal();
    text.focus();
  });
}
