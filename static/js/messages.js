// The message form's live character counter ("4,950 characters left"). Progressive enhancement:
// without it the hint says the limit and the server refuses a longer message with a clear error.
// Loaded as a module (once per page); htmx swaps in a fresh form after each send, so the counter is
// found again on every htmx:load, and typing is handled by one listener on the document.

const format = new Intl.NumberFormat(document.documentElement.lang || "en-GB");
const timers = new WeakMap();

function counterText(field) {
  const max = Number(field.dataset.steadyMaxchars);
  const left = max - field.value.length;
  if (left >= 0) {
    return { text: `${format.format(left)} ${left === 1 ? "character" : "characters"} left`, over: false };
  }
  const over = -left;
  return { text: `${format.format(over)} ${over === 1 ? "character" : "characters"} too many`, over: true };
}

function update(field, { announce }) {
  const counter = document.querySelector(`[data-steady-counter-for="${field.id}"]`);
  if (!counter) {
    return;
  }
  const { text, over } = counterText(field);
  counter.hidden = false;
  counter.textContent = text;
  counter.classList.toggle("nhsuk-error-message", over);
  counter.classList.toggle("nhsuk-hint", !over);
  // Screen readers hear the count once typing pauses, not after every key.
  const status = document.getElementById("message-counter-status");
  if (announce && status) {
    clearTimeout(timers.get(field));
    timers.set(field, setTimeout(() => { status.textContent = text; }, 1000));
  }
}

function start(root) {
  for (const field of root.querySelectorAll("textarea[data-steady-maxchars]")) {
    update(field, { announce: false });
  }
}

document.addEventListener("input", (event) => {
  if (event.target.matches && event.target.matches("textarea[data-steady-maxchars]")) {
    update(event.target, { announce: true });
  }
});

// A message sent with htmx is appended at once, and the next poll brings it again: keep the last
// copy of each message, which the poll put in its true place after anything that arrived meanwhile.
document.addEventListener("htmx:oobAfterSwap", () => {
  const list = document.getElementById("message-list");
  if (!list) {
    return;
  }
  const items = [...list.querySelectorAll(":scope > li[id]")];
  const last = new Map(items.map((item) => [item.id, item]));
  for (const item of items) {
    if (last.get(item.id) !== item) {
      item.remove();
    }
  }
});

document.addEventListener("htmx:load", (event) => start(event.target));
start(document);
