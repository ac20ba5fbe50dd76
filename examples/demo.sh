#!/usr/bin/env bash
# The whole pipeline on a demo video the project makes itself: a synthesized voice over a test
# picture, transcribed with the embedded "base" model, cut into cues, written as SRT, WebVTT,
# ASS, JSON and text, muxed as a soft track and burned into the picture.
set -euo pipefail
cd "$(dirname "$0")/.."
bash examples/setup.sh --demo

demo=examples/demo.mp4
if [ ! -s "$demo" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  espeak-ng -v en-us -s 150 -w "$work/voice.wav" -f examples/demo.txt
  ffmpeg=$(.venv/bin/python -c "from subtitler.adapters.ffmpeg import ffmpeg_exe; print(ffmpeg_exe())")
  "$ffmpeg" -nostdin -v error -y -f lavfi -i "testsrc2=size=1280x720:rate=25" -i "$work/voice.wav" \
    -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -shortest "$work/demo.mp4"
  mv "$work/demo.mp4" "$demo"
fi

.venv/bin/subtitler run "$demo" -o demo-out --burn en "$@"
echo
echo "Subtitles (demo-out/demo/demo.en.srt):"
cat demo-out/demo/demo.en.srt
echo "Soft-subtitled copy: demo-out/demo/demo.subtitled.mp4"
echo "Burned copy:         demo-out/demo/demo.en.burned.mp4"
echo
echo "Next: .venv/bin/subtitler studio"
echo "      (the studio: drop videos on a web page, follow them, correct the subtitles; see README, The studio)"
