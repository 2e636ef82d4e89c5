// Gap analysis page: after htmx swaps a row (editor opened, answer saved, editor closed) focus
// would fall back to <body>. The server marks where it should go instead with data-focus-here:
// the row's heading, or the list of errors when the answer was not saved. What happened is read
// out by the page's aria-live region (#gap-announcer), which the responses fill out of band.
"use strict";

document.addEventListener("htmx:afterSettle", () => {
  const target = document.querySelector("[data-focus-here]");
  if (!target) {
    return;
  }
  target.removeAttribute("data-focus-here");
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: "nearest" });
});
