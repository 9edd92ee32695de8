// The site's only script besides htmx: served as a file, so the CSP needs no inline script.
// A <select data-autosubmit> submits its form when it changes (the language switch).
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.submit();
  }
});
