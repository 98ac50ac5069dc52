// Tongxin's own script: small, no inline handlers (a content security policy forbids them).
document.addEventListener("htmx:configRequest", function (event) {
  // htmx requests carry Django's CSRF token from the cookie-less form field on the page.
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) {
    event.detail.headers["X-CSRFToken"] = token.value;
  }
});

// The language and elder-mode switches reload the page: put the focus back on the switch,
// so a keyboard or screen-reader user is not sent back to the top of the page.
const KEEP_FOCUS = "tongxin.keep-focus";
document.addEventListener("submit", function (event) {
  const key = event.target.getAttribute("data-keep-focus");
  if (key) {
    sessionStorage.setItem(KEEP_FOCUS, key);
  }
});
document.addEventListener("DOMContentLoaded", function () {
  const key = sessionStorage.getItem(KEEP_FOCUS);
  if (key) {
    sessionStorage.removeItem(KEEP_FOCUS);
    const form = document.querySelector('form[data-keep-focus="' + key + '"]');
    const target = form && (form.querySelector("[aria-current]") || form.querySelector("button"));
    if (target) {
      target.focus();
    }
  }
});
