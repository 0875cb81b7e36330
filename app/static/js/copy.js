// Copy buttons for calendar addresses. Without JavaScript the buttons stay hidden and the addresses, in
// read-only text fields, are selected and copied by hand. Loaded from a file: the CSP allows no inline script.
(function () {
  "use strict";

  function announce(button, id) {
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    if (status) {
      status.textContent = button.getAttribute("data-copied-text") || "";
    }
  }

  function copy(button) {
    var id = button.getAttribute("data-copy-target");
    var field = document.getElementById(id);
    if (!field) {
      return;
    }
    field.focus();
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { announce(button, id); }, function () {});
    } else if (document.execCommand && document.execCommand("copy")) {
      announce(button, id);
    }
  }

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { copy(button); });
  });
})();
