// Start GOV.UK Frontend and MoJ Frontend components and the tables' scrolling regions,
// and again inside any fragment that htmx swaps into the page.
import { initAll as initGovuk } from "../../vendor/govuk-frontend.min.js";
import { initAll as initMoj } from "../../vendor/moj-frontend.min.js";
import { initTableScroll } from "./table-scroll.mjs";

initGovuk();
initMoj();
initTableScroll();

document.addEventListener("htmx:afterSettle", (event) => {
  initGovuk({ scope: event.target });
  initMoj({ scope: event.target });
  initTableScroll(event.target);
});
