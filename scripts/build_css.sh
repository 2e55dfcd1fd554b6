#!/usr/bin/env bash
# Build Steady's CSS and copy nhsuk-frontend's JavaScript and images into static/.
# The output is committed, so running Steady needs no Node; run this after changing assets/scss/
# or the nhsuk-frontend version in package.json.
set -euo pipefail

cd "$(dirname "$0")/.."

if [ ! -d node_modules/nhsuk-frontend ] || [ ! -d node_modules/sass ]; then
    npm ci --no-audit --no-fund
fi

nhsuk=node_modules/nhsuk-frontend/dist/nhsuk
out_css=static/css/steady.css

mkdir -p static/css static/nhsuk/assets/images
npx --no-install sass --load-path=node_modules --style=compressed --no-source-map --quiet-deps \
    assets/scss/main.scss "$out_css"

# Without its source map comment: we do not ship the map, and collectstatic's manifest storage
# fails on references to files that do not exist.
sed 's|//# sourceMappingURL=.*$||' "$nhsuk/nhsuk-frontend.min.js" >static/nhsuk/nhsuk-frontend.min.js

# Only the icons the CSS and JS use. The favicons, app icons and Open Graph image carry the NHS
# logo, which Steady must not show.
rm -rf static/nhsuk/assets/images
mkdir -p static/nhsuk/assets/images
cp "$nhsuk"/assets/images/nhsuk-icon-*.svg static/nhsuk/assets/images/
rm -f static/nhsuk/assets/images/nhsuk-icon-mask.svg

# Every url() in the CSS must point at a file we ship.
missing=0
for path in $(grep -o 'url("/static/[^"]*")' "$out_css" | sed 's/^url("\/static\///; s/")$//' | sort -u); do
    if [ ! -f "static/$path" ]; then
        echo "build_css: $out_css refers to static/$path, which does not exist" >&2
        missing=1
    fi
done

# No CDN (the CSP allows none) and no NHS font (licensed to NHS organisations only).
if grep -q -E 'https?://|Frutiger' "$out_css"; then
    echo "build_css: $out_css contains an external URL or Frutiger:" >&2
    grep -o -E '.{0,60}(https?://|Frutiger).{0,60}' "$out_css" >&2
    exit 1
fi
[ "$missing" -eq 0 ] || exit 1

echo "build_css: wrote $out_css ($(wc -c <"$out_css") bytes)"
