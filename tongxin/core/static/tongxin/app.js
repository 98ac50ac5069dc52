// Tongxin's own script: small, no inline handlers (a content security policy forbids them).
document.addEventListener("htmx:configRequest", function (event) {
  // htmx requests carry Django's CSRF token from the cookie-less form field on the page.
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) {
    event.detail.headers["X-CSRFToken"] = token.value;
  }
});

// The language switch reloads the page: put the focus back on the language buttons, so a
// keyboard or screen-reader user is not sent back to the top of the page.
const KEEP_FOCUS = "tongxin.keep-focus";
document.addEventListener("submit", function (event) {
  if (event.target.matches("form[data-keep-focus]")) {
    sessionStorage.setItem(KEEP_FOCUS, "1");
  }
});
document.addEventListener("DOMContentLoaded", function () {
  if (sessionStorage.getItem(KEEP_FOCUS)) {
    sessionStorage.removeItem(KEEP_FOCUS);
    const current = document.querySelector("form[data-keep-focus] [aria-current]");
    if (current) {
      current.focus();
    }
  }
});
