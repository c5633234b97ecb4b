/** The question a drop asks when the item has no channel yet: a small dialog listing the
 * channels, each with the slot it would take (the time dropped on, or its next free slot
 * when that day is full or closed on it). */
import { el, localDate } from "../dom.js";
import { _ } from "../i18n.js";
import { nextFreeSlot, refusal } from "./capacity.js";
import { page } from "./page.js";

const dialog = document.getElementById("channel-dialog");
const choices = document.getElementById("channel-choices");
let answer = null;

function settle(value) {
  const resolve = answer;
  answer = null;
  if (dialog.open) dialog.close();
  if (resolve) resolve(value);
}

function choice(item, when, channel) {
  const refused = refusal(item, when, channel.slug);
  const slot = refused ? nextFreeSlot(item, when, channel.slug) : when;
  const detail = !refused ? localDate(slot.toISOString())
    : slot ? _("%(reason)s — next free slot %(when)s", { reason: refused.rule === "blackout" ? _("Closed") : _("Full"),
      when: localDate(slot.toISOString()) })
      : refused.rule === "blackout" ? _("Closed") : _("Full");
  const button = el("button", { type: "button", class: "channel-choice", dataset: { channel: channel.slug },
    disabled: !slot },
  el("span", { class: "channel-choice-name", text: channel.name }),
  el("span", { class: "channel-choice-when", text: detail }));
  button.addEventListener("click", () => settle({ channel: channel.slug, when: slot }));
  return el("li", {}, button);
}

/** Ask on which channel ``item`` dropped at ``when`` goes. Resolves to {channel, when} (the
 * slot to book) or null when the person cancels. */
export function askChannel(item, when) {
  settle(null);
  document.getElementById("channel-dialog-title").textContent =
    _("On which channel should “%(title)s” go?", { title: item.title });
  choices.replaceChildren(...page.channels.map((c) => choice(item, when, c)));
  dialog.showModal();
  choices.querySelector("button:not([disabled])")?.focus();
  return new Promise((resolve) => { answer = resolve; });
}

document.getElementById("channel-cancel").addEventListener("click", () => settle(null));
dialog.addEventListener("close", () => settle(null));
