#!/usr/bin/env bash
# Renders an HTML report to PNG with headless Chromium, to look at it, and checks that it is
# self-contained (no URLs, no scripts).
#
#   scripts/check_html.sh REPORT.html [OUT.png] [WIDTHxHEIGHT]
#
# OUT.png defaults to REPORT.png beside the report; the window defaults to 1280x2400.
# Installs Debian's `chromium` when it is missing (needs root or sudo). Exit 0 when the page is
# self-contained and the screenshot was written, 1 when a check failed, 2 on usage errors.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 3 ]]; then
    echo "usage: $0 REPORT.html [OUT.png] [WIDTHxHEIGHT]" >&2
    exit 2
fi
report="$1"
if [[ ! -f "$report" ]]; then
    echo "$report: no such file" >&2
    exit 2
fi
out="${2:-${report%.*}.png}"
size="${3:-1280x2400}"
if [[ ! "$size" =~ ^[0-9]+x[0-9]+$ ]]; then
    echo "$size: window size must be WIDTHxHEIGHT, e.g. 1280x2400" >&2
    exit 2
fi

chromium_bin="$(command -v chromium || command -v chromium-browser || true)"
if [[ -z "$chromium_bin" ]]; then
    echo "chromium is missing; installing the Debian package" >&2
    sudo=""
    [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
    $sudo apt-get install -y chromium >&2
    chromium_bin="$(command -v chromium)"
fi

# Self-contained: nothing is fetched when the page opens.
status=0
for pattern in 'http:' 'https:' 'src="//' 'href="//' '<script' '<link' '@import' 'url('; do
    if grep -qF -- "$pattern" "$report"; then
        echo "$report: not self-contained: contains $pattern" >&2
        status=1
    fi
done

abs="$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
rm -f "$out"
# Chromium prints harmless warnings about D-Bus and the GPU in containers; keep them for errors.
if ! "$chromium_bin" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" --screenshot="$out" \
    --window-size="${size/x/,}" "file://$abs" >"$profile/chromium.log" 2>&1; then
    cat "$profile/chromium.log" >&2
    echo "$report: chromium failed" >&2
    exit 1
fi
if [[ ! -s "$out" ]]; then
    cat "$profile/chromium.log" >&2
    echo "$report: no screenshot written" >&2
    exit 1
fi
echo "$out"
exit "$status"
