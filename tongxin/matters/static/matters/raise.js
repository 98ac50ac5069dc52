// The raise (说事) page: say early when photos are too big or too many, and keep a
// double tap from sending the form twice (the server files it once anyway, by its key).
(function () {
  "use strict";

  function checkPhotos(input, note) {
    const maxBytes = Number(input.dataset.maxBytes || 0);
    const maxCount = Number(input.dataset.maxCount || 0);
    const files = Array.from(input.files || []);
    const problems = [];
    if (maxCount && files.length > maxCount) {
      problems.push(note.dataset.tooMany);
    }
    files.forEach(function (file) {
      if (maxBytes && file.size > maxBytes) {
        problems.push(note.dataset.tooBig + " " + file.name);
      }
    });
    note.textContent = problems.join(" ");
    note.hidden = problems.length === 0;
    input.setCustomValidity(problems.join(" "));
  }

  function setUp() {
    const form = document.querySelector("form[data-raise-form]");
    if (!form) {
      return;
    }
    const photos = form.querySelector("input[type=file][name=photos]");
    const note = form.querySelector("[data-photo-note]");
    if (photos && note) {
      photos.addEventListener("change", function () { checkPhotos(photos, note); });
    }
    const button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending === "1") {
        event.preventDefault();
        return;
      }
      form.dataset.sending = "1";
      if (button) {
        button.dataset.label = button.textContent;
        button.textContent = button.dataset.sending || button.textContent;
        button.setAttribute("aria-disabled", "true");
      }
    });
    // Coming back with the browser's Back button shows the page as it was left.
    window.addEventListener("pageshow", function () {
      form.dataset.sending = "";
      if (button && button.dataset.label) {
        button.textContent = button.dataset.label;
        button.removeAttribute("aria-disabled");
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
