// Starts GOV.UK Frontend's components (kept in a file so the CSP needs no inline script).
import { initAll } from "../vendor/govuk/govuk-frontend.min.js";

initAll();

// A print button only works with scripts, so it stays hidden until they run.
for (const button of document.querySelectorAll("[data-app-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
