#!/usr/bin/env bash
# Makes sure the tests have what they need outside npm: a Chrome/Chromium for the browser tests and
# benchmarks, SwiftShader (inside Debian's chromium) for WebGPU without a GPU, and libvulkan for Dawn.
# On Debian as root it installs what is missing; elsewhere it says what to install and exits 1.
set -euo pipefail

find_browser() {
  for c in "${CHROME_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome /usr/bin/google-chrome-stable; do
    if [ -n "$c" ] && [ -x "$c" ]; then echo "$c"; return 0; fi
  done
  return 1
}

have_vulkan_loader() {
  ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'
}

missing=()
find_browser >/dev/null || missing+=(chromium)
have_vulkan_loader || missing+=(libvulkan1)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "ensure-browser: installing ${missing[*]} with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "ensure-browser: missing ${missing[*]}." >&2
    echo "  Install Chrome or Chromium (Debian: sudo apt-get install chromium libvulkan1) or set CHROME_PATH" >&2
    echo "  to a Chrome/Chromium binary; Dawn in Node also needs the Vulkan loader libvulkan.so.1." >&2
    exit 1
  fi
fi
browser=$(find_browser) || { echo "ensure-browser: no Chrome/Chromium found after install; set CHROME_PATH" >&2; exit 1; }
echo "ensure-browser: using $browser" >&2
