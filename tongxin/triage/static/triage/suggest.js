// Smart triage: a suggested category is one click. A button carrying
// data-suggest-category sets the select named by data-suggest-target (the hear and
// recategorise forms on a matter's page, the category of the raise form).
(function () {
  "use strict";
  if (window.tongxinSuggest) {
    return;
  }
  window.tongxinSuggest = true;

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-suggest-category]");
    if (!button) {
      return;
    }
    const select = document.getElementById(button.dataset.suggestTarget);
    if (!select) {
      return;
    }
    select.value = button.dataset.suggestCategory;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    const group = button.closest("[data-suggestions]");
    if (group) {
      group.querySelectorAll("[data-suggest-category]").forEach(function (other) {
        other.setAttribute("aria-pressed", other === button ? "true" : "false");
      });
    }
  });
})();
