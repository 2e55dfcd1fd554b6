"""Measurements taken inside the page for the accessibility tests (tests/a11y/).

Each script is a JavaScript arrow function handed to ``page.evaluate`` (Playwright sends it over the
DevTools protocol, so the pages' CSP, which forbids eval, does not apply to it).
"""

from pathlib import Path

from django.conf import settings

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "a11y"

# A short, readable name for an element: tag#id.class.class "text".
_DESCRIBE = """
const describe = (el) => {
  if (!el || el.nodeType !== 1) return String(el);
  let name = el.tagName.toLowerCase();
  if (el.id) name += '#' + el.id;
  const classes = [...el.classList].slice(0, 3);
  if (classes.length) name += '.' + classes.join('.');
  const text = (el.getAttribute('aria-label') || el.innerText || el.value || '').trim().replace(/\\s+/g, ' ');
  if (text) name += ' "' + text.slice(0, 40) + '"';
  return name;
};
"""

# Horizontal overflow of the page. When the page is wider than the window, the elements that stick out
# (not clipped by an ancestor with its own horizontal overflow), widest first, and the outermost of them.
PAGE_OVERFLOW = (
    "() => {"
    + _DESCRIBE
    + """
  const vw = window.innerWidth;
  const root = document.documentElement;
  const result = {scrollWidth: root.scrollWidth, innerWidth: vw, offenders: []};
  if (root.scrollWidth <= vw) return result;
  const sticking = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right <= vw + 0.5 && box.left >= -0.5) continue;
    let clipped = false;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible') { clipped = true; break; }
    }
    if (!clipped) sticking.push({el, box});
  }
  // The outermost elements that stick out are where a fix goes; list those first, widest first.
  const outermost = sticking.filter(({el}) => !sticking.some((other) => other.el !== el && other.el.contains(el)));
  const order = (a, b) => (b.box.right - b.box.left) - (a.box.right - a.box.left);
  result.offenders = [...outermost.sort(order), ...sticking.filter((s) => !outermost.includes(s)).sort(order)]
    .slice(0, 6)
    .map(({el, box}) => `${describe(el)} [left ${Math.round(box.left)}, width ${Math.round(box.width)}]`);
  return result;
}"""
)

# Boxes that scroll sideways on their own (a wide table's wrapper). WCAG 1.4.10 allows them, but a
# keyboard user must be able to scroll them (focusable) and know what they are (a named region).
SCROLL_REGIONS = (
    "() => {"
    + _DESCRIBE
    + """
  const problems = [];
  let regions = 0;
  for (const el of document.body.querySelectorAll('*')) {
    if (el.matches('input, textarea, select')) continue;
    const style = getComputedStyle(el);
    if (!['auto', 'scroll'].includes(style.overflowX) || el.scrollWidth <= el.clientWidth + 1) continue;
    regions += 1;
    const named = (el.getAttribute('aria-label') || '').trim()
      || (el.getAttribute('aria-labelledby') || '').split(/\\s+/).some((id) => id && document.getElementById(id)
           && document.getElementById(id).textContent.trim());
    const missing = [];
    if (el.tabIndex < 0) missing.push('not focusable (tabindex="0")');
    if (el.getAttribute('role') !== 'region' && el.tagName !== 'SECTION') missing.push('no role="region"');
    if (!named) missing.push('no label (aria-label or aria-labelledby)');
    if (missing.length) problems.push(`${describe(el)} scrolls sideways but has ${missing.join(', ')}`);
  }
  return {regions, problems};
}"""
)

# Focus visibility. SNAPSHOT_UNFOCUSED records, for every element that can take focus and is not focused
# now, how it and its labels (with their ::before and ::after, where nhsuk draws the radio and checkbox
# focus ring) look; FOCUS_STOP compares the focused element against that record.
_FOCUS_COMMON = (
    _DESCRIBE
    + """
const PROPS = ['outline-style', 'outline-width', 'outline-color', 'outline-offset', 'box-shadow',
               'background-color', 'border-top-width', 'border-bottom-width', 'border-left-width',
               'border-top-color', 'border-bottom-color', 'text-decoration-line', 'text-decoration-thickness',
               'clip', 'clip-path'];
const parts = (el) => {
  const out = [[el, null], [el, '::before'], [el, '::after']];
  for (const label of (el.labels || [])) out.push([label, null], [label, '::before'], [label, '::after']);
  return out;
};
const signature = (el) => parts(el).map(([node, pseudo]) => {
  const style = getComputedStyle(node, pseudo);
  const values = {};
  for (const prop of PROPS) values[prop] = style.getPropertyValue(prop);
  if (!pseudo) {  // visually hidden (nhsuk's skip link): a box of 1 px or less, or clipped away
    const box = node.getBoundingClientRect();
    values.hidden = box.width <= 1 || box.height <= 1 || /rect\\(0(px)?,? 0(px)?/.test(values['clip'])
      || values['clip-path'].startsWith('inset(50%');
  }
  return values;
});
const transparent = (colour) => colour === 'transparent' || /rgba\\(.*,\\s*0\\)$/.test(colour);
const FOCUSABLE = 'a[href], button, input, select, textarea, summary, [tabindex], iframe';
"""
)

SNAPSHOT_UNFOCUSED = (
    "() => {"
    + _FOCUS_COMMON
    + """
  window.__a11yUnfocused = window.__a11yUnfocused || new WeakMap();
  for (const el of document.querySelectorAll(FOCUSABLE)) {
    if (el === document.activeElement || window.__a11yUnfocused.has(el)) continue;
    window.__a11yUnfocused.set(el, signature(el));
  }
}"""
)

FOCUS_STOP = (
    "() => {"
    + _FOCUS_COMMON
    + """
  const el = document.activeElement;
  const info = {
    element: describe(el), tag: el ? el.tagName.toLowerCase() : null, id: el && el.id,
    name: el && el.getAttribute('name'), type: el && el.getAttribute('type'), value: el && el.value,
    label: el && el.labels && el.labels.length ? el.labels[0].innerText.trim() : null,
    text: el ? (el.innerText || '').trim() : '', inMain: !!(el && el.closest('main')),
    section: el && el.closest('section[id]') ? el.closest('section[id]').id : null,
    problems: [],
  };
  if (!el || el === document.body) { info.problems.push('nothing has focus'); return info; }
  const box = el.getBoundingClientRect();
  let visibleBox = box;
  if (box.width <= 1 || box.height <= 1) {  // a visually hidden input: its label is what is seen
    const label = el.labels && el.labels[0];
    if (label) visibleBox = label.getBoundingClientRect();
  }
  if (visibleBox.bottom <= 0 || visibleBox.top >= window.innerHeight || visibleBox.right <= 0
      || visibleBox.left >= window.innerWidth) {
    info.problems.push(`outside the viewport (top ${Math.round(visibleBox.top)} of ${window.innerHeight})`);
  }
  const before = window.__a11yUnfocused && window.__a11yUnfocused.get(el);
  if (!before) { info.problems.push('no unfocused record to compare with'); return info; }
  const now = signature(el);
  const changes = [];
  now.forEach((values, index) => {
    const [node, pseudo] = parts(el)[index];
    const where = (node === el ? 'element' : 'label') + (pseudo || '');
    const was = before[index];
    if (!was) return;
    const px = (value) => parseFloat(value) || 0;
    const outlined = (v) => v['outline-style'] !== 'none' && px(v['outline-width']) > 0
      && !transparent(v['outline-color']);
    if (outlined(values) && (!outlined(was) || values['outline-color'] !== was['outline-color']
                             || values['outline-width'] !== was['outline-width'])) {
      changes.push(`${where} outline ${values['outline-width']} ${values['outline-color']}`);
    }
    if (values['box-shadow'] !== was['box-shadow'] && values['box-shadow'] !== 'none') {
      changes.push(`${where} box-shadow ${values['box-shadow']}`);
    }
    if (values['background-color'] !== was['background-color'] && !transparent(values['background-color'])) {
      changes.push(`${where} background ${values['background-color']}`);
    }
    for (const side of ['top', 'bottom', 'left']) {
      const width = `border-${side}-width`;
      if (px(values[width]) > px(was[width])) changes.push(`${where} border-${side} ${values[width]}`);
    }
    if (!pseudo && was.hidden && !values.hidden) changes.push(`${where} revealed (was visually hidden)`);
  });
  info.indicator = changes;
  if (!changes.length) info.problems.push('no visible focus indicator (looks the same as unfocused)');
  return info;
}"""
)
