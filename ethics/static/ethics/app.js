// The site's only script besides htmx: served as a file, so the CSP needs no inline script.
// A <select data-autosubmit> submits its form when it changes (the language switch).
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.submit();
  }
});

// The collapsible menu (templates/base.html): on narrow screens the nav folds behind a toggle
// button; aria-expanded says whether it is open. Without this script the nav simply shows.
(function () {
  function setUp() {
    var header = document.querySelector("[data-menu]");
    var toggle = header && header.querySelector("[data-menu-toggle]");
    if (!header || !toggle) {
      return;
    }
    function setOpen(open) {
      header.classList.toggle("menu-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
    header.classList.add("js-menu");
    toggle.hidden = false;
    setOpen(false);
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("menu-open")) {
        setOpen(false);
        toggle.focus();
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();

// A live block (data-live: a letter, minutes or a package rendered in the background) polls its
// fragment URL with htmx until the document is ready or failed (ethics/live.py). A block the
// server no longer answers for (404, 5xx) stops polling and keeps its text.
document.addEventListener("htmx:responseError", function (event) {
  var elt = event.detail && event.detail.elt;
  if (elt instanceof HTMLElement && elt.hasAttribute("data-live")) {
    var still = document.createElement("span");
    still.className = elt.className;
    still.textContent = elt.textContent;
    elt.replaceWith(still);
  }
});
