// Start GOV.UK Frontend and MoJ Frontend components, and again inside any
// fragment that htmx swaps into the page.
import { initAll as initGovuk } from "../../vendor/govuk-frontend.min.js";
import { initAll as initMoj } from "../../vendor/moj-frontend.min.js";

initGovuk();
initMoj();

document.addEventListener("htmx:afterSettle", (event) => {
  initGovuk({ scope: event.target });
  initMoj({ scope: event.target });
});
