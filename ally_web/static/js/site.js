// ALLY: small behaviours on top of htmx. The site works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function drawerHost() { return document.getElementById("cart-drawer"); }

  function closeDrawer() {
    var host = drawerHost();
    if (!host || !host.firstElementChild) return;
    host.replaceChildren();
    var link = document.querySelector(".cart-link");
    if (link) link.focus();
  }

  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-drawer-close]");
    if (close) {
      event.preventDefault();
      closeDrawer();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeDrawer();
  });

  // After a swap, move focus to what the new content marks as its starting point,
  // so keyboard and screen-reader users are not left on a removed element. When
  // nothing is marked and focus was lost with the old content (a form re-rendered
  // with errors), go to the form's error message, else to its first invalid field.
  document.addEventListener("htmx:after:swap", function () {
    var marked = document.querySelectorAll("[data-focus-after-swap]");
    if (marked.length) {
      marked.forEach(function (el) { el.removeAttribute("data-focus-after-swap"); });
      marked[0].focus();
      return;
    }
    var active = document.activeElement;
    if (active && active !== document.body) return;
    var target = document.querySelector(".form-errors") || document.querySelector("[aria-invalid='true']");
    if (target) target.focus();
  });
})();
