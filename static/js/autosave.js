// Exercise autosave is htmx attributes on the form (templates/modules/exercises/_exercise.html).
// Two things htmx attributes cannot do are here. Loaded as a module: it runs once however many
// exercises a page has.

// 1. A Save or Submit pressed while an autosave is still on its way would post the version the
// page had before that autosave, and be refused as a change from "another tab". So the button
// waits until the form's autosaves are done (htmx marks the form htmx-request meanwhile, and has
// put the new version into the form by the time htmx:afterRequest fires), then posts as usual.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("form[data-steady-autosave]") || !form.classList.contains("htmx-request")) {
    return;
  }
  event.preventDefault();
  const submitter = event.submitter;
  const retry = () => {
    // A queued autosave may start as soon as this one ends: wait for that one too.
    setTimeout(() => {
      if (form.classList.contains("htmx-request")) {
        form.addEventListener("htmx:afterRequest", retry, { once: true });
      } else {
        form.requestSubmit(submitter);
      }
    }, 0);
  };
  form.addEventListener("htmx:afterRequest", retry, { once: true });
});

// 2. When a save cannot reach Steady, htmx swaps nothing, so say so in the status line. The
// message is the form's data-steady-failed attribute, translated with the page.
for (const name of ["htmx:sendError", "htmx:responseError", "htmx:timeout"]) {
  document.addEventListener(name, (event) => {
    const form = event.target.closest && event.target.closest("form[data-steady-autosave]");
    const status = form && document.getElementById(form.dataset.steadyAutosave);
    if (status) {
      status.textContent = form.dataset.steadyFailed;
    }
  });
}
