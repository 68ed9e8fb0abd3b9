#!/usr/bin/env bash
# Build (or reuse) the emulated ARM boards of the slow tests: Debian bookworm arm64 (with the aarch64
# ai-edge-litert wheel) and armhf (no TFLite runtime), cached in ${EDGEPARETO_ROOTFS_CACHE:-~/.cache/edgepareto/rootfs}.
# Needs root, Debian's debootstrap and qemu-user-static (installed here when missing), and network access
# to deb.debian.org and the Python package index. Usage: scripts/build-arm-rootfs.sh [arm64] [armhf] [--force]
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for p in debootstrap qemu-user-static; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}" >&2
  apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
exec "${PYTHON:-.venv/bin/python}" -m tests.remote.armboard build "$@"
