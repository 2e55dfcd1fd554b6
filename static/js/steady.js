// Starts nhsuk-frontend's components (header menu, error summary focus, skip link...).
// Loaded as a module from base.html: no inline script, so the CSP needs no 'unsafe-inline'.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

// nhsuk-frontend's page template sets these classes with an inline script; we set them here.
// Only browsers that run modules get here, which is the test that inline script makes.
document.body.classList.add("js-enabled", "nhsuk-frontend-supported");

initAll();
