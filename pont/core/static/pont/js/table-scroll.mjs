// A table's scrolling region (`.pont-table-scroll`, WCAG 1.4.10) takes the focus and is a
// named region only while its table is wider than it is: elsewhere it would be one more
// stop for the Tab key and one more landmark for a screen reader, with nothing to scroll.
// The markup has both, so that without this script a wide table can still be scrolled
// with the keyboard; the name moves to `data-labelledby` while the region stands down.
function fit(region) {
  const scrolls = region.scrollWidth > region.clientWidth;
  const label = region.getAttribute("aria-labelledby") || region.dataset.labelledby;
  if (scrolls) {
    region.setAttribute("tabindex", "0");
    region.setAttribute("role", "region");
    if (label) region.setAttribute("aria-labelledby", label);
  } else {
    region.removeAttribute("tabindex");
    region.removeAttribute("role");
    region.removeAttribute("aria-labelledby");
    if (label) region.dataset.labelledby = label;
  }
}

export function initTableScroll(scope = document) {
  const observer = new ResizeObserver((entries) => {
    for (const entry of entries) {
      fit(entry.target.closest(".pont-table-scroll"));
    }
  });
  for (const region of scope.querySelectorAll(".pont-table-scroll")) {
    observer.observe(region);
    if (region.firstElementChild) observer.observe(region.firstElementChild);
  }
}
