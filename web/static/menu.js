/* The shared menu. On a phone it folds into one button; the links stay in the page for the
   keyboard. A file of its own, not a script in the page: the pages allow no inline script
   (Content-Security-Policy script-src 'self'). */
(function () {
  "use strict";
  const nav = document.getElementById("site-menu");
  const btn = nav.querySelector(".menu-toggle");
  btn.addEventListener("click", () => {
    const open = btn.getAttribute("aria-expanded") !== "true";
    btn.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("open", open);
  });
  // Escape folds the open menu and gives the focus back to its button.
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape" || btn.getAttribute("aria-expanded") !== "true") return;
    btn.setAttribute("aria-expanded", "false");
    nav.classList.remove("open");
    btn.focus();
  });
  document.addEventListener("DOMContentLoaded", () => {
    const main = document.querySelector("main");
    const skip = document.querySelector(".skip-link");
    if (!main || !skip) return;
    if (!main.id) main.id = "main-content";
    if (!main.hasAttribute("tabindex")) main.tabIndex = -1;
    skip.href = "#" + main.id;
  });
})();
