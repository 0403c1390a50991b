#!/usr/bin/env bash
# Makes sure the tests have what they need outside npm: a Chrome/Chromium for the browser tests and
# benchmarks, SwiftShader (inside Debian's chromium) for WebGPU without a GPU, libvulkan for Dawn, and
# Debian's python3-torch for the PyTorch gradient-parity test (run with /usr/bin/python3).
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
/usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || missing+=(python3-torch)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "ensure-test-deps: installing ${missing[*]} with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "ensure-test-deps: missing ${missing[*]}." >&2
    echo "  Debian: sudo apt-get install chromium libvulkan1 python3-torch. Elsewhere: Chrome or Chromium (or set" >&2
    echo "  CHROME_PATH), the Vulkan loader libvulkan.so.1 for Dawn, and PyTorch importable by /usr/bin/python3." >&2
    exit 1
  fi
fi
browser=$(find_browser) || { echo "ensure-test-deps: no Chrome/Chromium found after install; set CHROME_PATH" >&2; exit 1; }
echo "ensure-test-deps: using $browser" >&2
