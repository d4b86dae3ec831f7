// mamori console: the only script, served by the collector (no inline script is allowed).
// The pages work without it; it prints the monthly report, reads a profile file into the
// policy form, and hides the exception form's fields that do not apply to the chosen control.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const print = document.getElementById("print");
  if (print) print.addEventListener("click", () => window.print());
  const file = document.getElementById("yaml-file");
  const yaml = document.getElementById("yaml");
  if (file && yaml) {
    file.addEventListener("change", () => {
      if (file.files.length) file.files[0].text().then((text) => { yaml.value = text; });
    });
  }
});
document.addEventListener("DOMContentLoaded", () => {
  const control = document.getElementById("control");
  const form = document.getElementById("request-form");
  if (!control || !form) return;
  const fields = { usb: ["device", "access"], software: ["path", "sha256"], hours: [] };
  const all = ["device", "access", "path", "sha256"];
  const show = () => {
    const wanted = fields[control.value] || [];
    for (const id of all) {
      const input = document.getElementById(id);
      const label = form.querySelector(`label[for="${id}"]`);
      const hidden = !wanted.includes(id);
      if (input) { input.hidden = hidden; input.disabled = hidden; }
      if (label) label.hidden = hidden;
    }
  };
  control.addEventListener("change", show);
  show();
});
