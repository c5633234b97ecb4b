/** The person's menu in the header. On narrow screens the person's name is a disclosure
 * button (aria-expanded) that shows the password link, the language switch and sign-out;
 * Escape closes it and gives the focus back to the button, as does a click elsewhere or
 * the focus leaving the menu. On wide screens the button is not shown and the menu's
 * items sit in the header (CSS), so nothing here runs for them. */
const toggle = document.getElementById("person-toggle");
const menu = document.getElementById("person-menu");

function isOpen() {
  return toggle.getAttribute("aria-expanded") === "true";
}

function setOpen(open) {
  toggle.setAttribute("aria-expanded", String(open));
  menu.classList.toggle("open", open);
}

if (toggle && menu) {
  const person = toggle.parentElement;
  toggle.addEventListener("click", () => setOpen(!isOpen()));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isOpen()) {
      setOpen(false);
      toggle.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (isOpen() && !person.contains(event.target)) setOpen(false);
  });
  person.addEventListener("focusout", (event) => {
    if (isOpen() && event.relatedTarget && !person.contains(event.relatedTarget)) setOpen(false);
  });
}
