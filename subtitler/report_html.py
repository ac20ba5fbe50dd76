"""A review report -> one self-contained HTML page: the video with the cues drawn over it, and the cue list.

Everything is inline (CSS, JS, the report as JSON); the only outside file is the video. Subtitle text only
ever reaches the page as escaped JSON, and the script puts it in the DOM as text, never as markup.
"""

from __future__ import annotations

import html
import json
import os
import re
import urllib.parse
from pathlib import Path, PurePath
from typing import Any

from subtitler import languages

__all__ = ["json_for_script", "render", "video_url"]

_MARKER = re.compile(r"@(TITLE|PLAYER|NAMES|REPORT)@")  # where render() puts its parts in _PAGE
# Inside <script>, "</script" and "<!--" change how the HTML parser reads what follows: with every "<" (and,
# for good measure, ">" and "&") written as a JSON escape, no subtitle text can end or bend the block.
# U+2028 and U+2029 are escaped too, so the same text is also safe pasted into a JS string.
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_for_script(data: Any) -> str:
    """`data` as JSON that can sit inside <script type="application/json"> whatever its strings hold."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return "".join(_SCRIPT_ESCAPES.get(c, c) for c in text)


def video_url(video: str) -> str:
    """A file path (relative to the page, or absolute) as a URL: "talk #1.mp4" -> "talk%20%231.mp4"."""
    if os.path.isabs(video):
        return Path(video).as_uri()
    return urllib.parse.quote(PurePath(video).as_posix())


def _language_names(report: dict[str, Any]) -> dict[str, str]:
    names = {}
    for code in report.get("languages", {}):
        try:
            names[code] = languages.get(code).native
        except ValueError:
            names[code] = code
    return names


def render(report: dict[str, Any], title: str, video: str | None) -> str:
    """The page for `report` (from `review.review`); `video` is a path relative to the page, or None."""
    if video is None:
        player = '<p class="no-video">No video for this input (audio only): click a cue to see it below.</p>'
    else:
        player = f'<video id="video" controls preload="metadata" src="{html.escape(video_url(video), quote=True)}"></video>'
    parts = {
        "TITLE": html.escape(title),
        "PLAYER": player,
        "NAMES": json_for_script(_language_names(report)),
        "REPORT": json_for_script(report),
    }
    # One pass, so a marker inside a title or a subtitle is left as it is.
    return _MARKER.sub(lambda found: parts[found.group(1)], _PAGE)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Review: @TITLE@</title>
<style>
  :root { --ink: #1b1b1b; --muted: #555; --line: #c8c8c8; --bad: #a30000; --bad-bg: #fdecec; --now: #e6f0ff;
          --mark: #ffe27a; --focus: #0b57d0; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.45 system-ui, sans-serif; color: var(--ink); background: #fff; }
  header { padding: 0.8rem 1.2rem; border-bottom: 1px solid var(--line); }
  h1 { font-size: 1.25rem; margin: 0 0 0.3rem; }
  h2 { font-size: 1.05rem; margin: 1rem 0 0.4rem; }
  #summary { margin: 0; color: var(--muted); }
  main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1.2rem; padding: 1rem 1.2rem; }
  @media (max-width: 900px) { main { grid-template-columns: 1fr; } }
  .stage { position: sticky; top: 0.5rem; align-self: start; }
  .screen { position: relative; background: #000; }
  video { display: block; width: 100%; max-height: 80vh; }
  #overlay { position: absolute; left: 5%; right: 5%; bottom: 3.2rem; text-align: center; pointer-events: none; }
  #overlay span { display: inline-block; white-space: pre-line; padding: 0.15em 0.5em; border-radius: 4px;
                  background: rgba(0, 0, 0, 0.78); color: #fff; font-size: clamp(14px, 2.2vw, 26px); }
  #overlay:empty { display: none; }
  .no-video { margin: 0; padding: 2rem 1rem; color: #fff; text-align: center; }
  #video-note { color: var(--bad); }
  .controls { display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; align-items: center; margin-bottom: 0.6rem; }
  select { font: inherit; padding: 0.2rem; }
  ol.cues { list-style: none; margin: 0; padding: 0; border-top: 1px solid var(--line); }
  li.cue { padding: 0.45rem 0.6rem; border-bottom: 1px solid var(--line); cursor: pointer; border-left: 5px solid transparent; }
  li.cue:hover { background: #f4f4f4; }
  li.cue.bad { border-left-color: var(--bad); background: var(--bad-bg); }
  li.cue[aria-current="true"] { background: var(--now); outline: 2px solid var(--focus); outline-offset: -2px; }
  li.cue:focus-visible, .word:focus-visible { outline: 3px solid var(--focus); outline-offset: 1px; }
  .when { color: var(--muted); font-size: 0.85rem; font-variant-numeric: tabular-nums; }
  .text { white-space: pre-line; margin: 0.1rem 0; }
  ul.problems { margin: 0.2rem 0 0; padding-left: 1.2rem; color: var(--bad); font-size: 0.92rem; }
  mark { background: var(--mark); color: var(--ink); text-decoration: underline dotted; text-underline-offset: 3px; }
  .hidden { display: none; }
  table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
  th, td { text-align: left; padding: 0.2rem 0.4rem; border-bottom: 1px solid var(--line); }
  button.word { font: inherit; color: var(--focus); background: none; border: 0; padding: 0; text-decoration: underline;
                cursor: pointer; }
</style>
</head>
<body>
<script>
  window.onerror = function (message) { document.body.dataset.error = String(message); };
</script>
<header>
  <h1>Review: @TITLE@</h1>
  <p id="summary" aria-live="polite"></p>
</header>
<main>
  <section class="stage" aria-label="Video">
    <div class="screen">
      @PLAYER@
      <div id="overlay" aria-hidden="true"></div>
    </div>
    <p id="video-note" class="hidden" role="status"></p>
  </section>
  <section aria-label="Cues">
    <div class="controls">
      <label>Language <select id="language"></select></label>
      <label><input type="checkbox" id="only-bad"> only cues that break a rule</label>
    </div>
    <ol class="cues" id="cues" aria-label="Cues: Enter or click to play from a cue"></ol>
    <h2>Unsure words</h2>
    <p id="no-unsure" class="hidden">None below the threshold.</p>
    <table id="unsure" class="hidden">
      <thead>
        <tr><th scope="col">Time</th><th scope="col">Word</th><th scope="col">Probability</th><th scope="col">Cue</th></tr>
      </thead>
      <tbody></tbody>
    </table>
  </section>
</main>
<script type="application/json" id="language-names">@NAMES@</script>
<script type="application/json" id="review-data">@REPORT@</script>
<script>
(function () {
  "use strict";
  var report = JSON.parse(document.getElementById("review-data").textContent);
  var names = JSON.parse(document.getElementById("language-names").textContent);
  var video = document.getElementById("video");
  var overlay = document.getElementById("overlay");
  var select = document.getElementById("language");
  var list = document.getElementById("cues");
  var onlyBad = document.getElementById("only-bad");
  var codes = Object.keys(report.languages || {});
  var current = null, cues = [], rows = [];

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function clock(seconds) {
    var s = Math.max(0, seconds), h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), rest = (s % 60).toFixed(2);
    if (rest.length < 5) rest = "0" + rest;
    return (h ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + rest;
  }
  function plural(count, noun) {
    return count + " " + noun + (count === 1 ? "" : "s");
  }
  function seek(seconds) {
    if (!video) return;
    video.currentTime = seconds + 0.001;
  }
  function unsureOf(code) {
    return (report.unsure_words || []).filter(function (w) { return w.language === code; });
  }
  /* The cue's text as text nodes, with each unsure word (in spoken order) wrapped in <mark>. */
  function markedText(text, words) {
    var box = el("p", "text"), at = 0;
    words.forEach(function (w) {
      var found = text.indexOf(w.text, at);
      if (found < 0) return;
      box.appendChild(document.createTextNode(text.slice(at, found)));
      var mark = el("mark", "", w.text);
      mark.title = "Whisper was unsure: probability " + w.probability.toFixed(2) + " at " + clock(w.start);
      box.appendChild(mark);
      at = found + w.text.length;
    });
    box.appendChild(document.createTextNode(text.slice(at)));
    return box;
  }
  function showLanguage(code) {
    current = code;
    var data = report.languages[code];
    cues = data.cues;
    var unsure = unsureOf(code);
    list.textContent = "";
    rows = cues.map(function (cue) {
      var row = el("li", cue.problems.length ? "cue bad" : "cue");
      row.tabIndex = 0;
      row.dataset.number = cue.number;
      var label = "#" + cue.number + "  " + clock(cue.start) + " \\u2192 " + clock(cue.end);
      if (cue.problems.length) label += "  \\u26a0 " + plural(cue.problems.length, "problem");
      row.appendChild(el("div", "when", label));
      row.appendChild(markedText(cue.text, unsure.filter(function (w) { return w.cue === cue.number; })));
      if (cue.problems.length) {
        var problems = el("ul", "problems");
        cue.problems.forEach(function (p) { problems.appendChild(el("li", "", p)); });
        row.appendChild(problems);
      }
      row.addEventListener("click", function () { seek(cue.start); });
      row.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); seek(cue.start); }
      });
      list.appendChild(row);
      return row;
    });
    var counts = data.counts, broken = [];
    Object.keys(data.summary).forEach(function (rule) {
      if (data.summary[rule]) broken.push(rule + ": " + data.summary[rule]);
    });
    document.getElementById("summary").textContent =
      (names[code] || code) + ": " + plural(counts.cues, "cue") + ", " + counts.with_problems + " breaking a rule" +
      (broken.length ? " (" + broken.join(", ") + ")" : "") + "; " + plural(counts.unsure_words, "unsure word") +
      " (probability below " + report.unsure_below + ").";
    showUnsure(unsure);
    filter();
    update();
  }
  function showUnsure(words) {
    var table = document.getElementById("unsure"), body = table.tBodies[0];
    body.textContent = "";
    words.forEach(function (w) {
      var tr = el("tr"), cell = el("td"), go = el("button", "word", clock(w.start));
      go.type = "button";
      go.addEventListener("click", function () { seek(w.start); });
      cell.appendChild(go);
      tr.appendChild(cell);
      tr.appendChild(el("td", "", w.text));
      tr.appendChild(el("td", "", w.probability.toFixed(2)));
      tr.appendChild(el("td", "", "#" + w.cue));
      body.appendChild(tr);
    });
    table.classList.toggle("hidden", !words.length);
    document.getElementById("no-unsure").classList.toggle("hidden", words.length > 0);
  }
  function filter() {
    rows.forEach(function (row, i) { row.classList.toggle("hidden", onlyBad.checked && !cues[i].problems.length); });
  }
  var shown = -1;
  function update() {
    var t = video ? video.currentTime : -1, index = -1;
    for (var i = 0; i < cues.length; i++) {
      if (cues[i].start <= t && t < cues[i].end) { index = i; break; }
    }
    if (index === shown) return;
    if (shown >= 0 && rows[shown]) rows[shown].removeAttribute("aria-current");
    shown = index;
    overlay.textContent = "";
    if (index < 0) return;
    overlay.appendChild(el("span", "", cues[index].text));
    rows[index].setAttribute("aria-current", "true");
    if (video && !video.paused) rows[index].scrollIntoView({ block: "nearest" });
  }
  function tick() {
    update();
    if (video && !video.paused) window.requestAnimationFrame(tick);
  }

  codes.forEach(function (code) {
    var counts = report.languages[code].counts;
    var option = el("option", "", (names[code] || code) + " (" + code + "): " + plural(counts.cues, "cue") + ", " +
                    counts.with_problems + " with problems");
    option.value = code;
    select.appendChild(option);
  });
  select.addEventListener("change", function () { shown = -1; showLanguage(select.value); });
  onlyBad.addEventListener("change", filter);
  if (video) {
    video.addEventListener("play", tick);
    video.addEventListener("seeked", update);
    video.addEventListener("timeupdate", update);
    video.addEventListener("error", function () {
      var note = document.getElementById("video-note");
      note.textContent = "This browser cannot play " + decodeURIComponent(video.getAttribute("src")) +
                         "; the cue list still works.";
      note.classList.remove("hidden");
    });
  }
  if (codes.length) {
    showLanguage(codes[0]);
  } else {
    document.getElementById("summary").textContent = "No subtitles: no speech was found.";
  }
  var start = /^#t=(\\d+(?:\\.\\d+)?)$/.exec(window.location.hash);  /* review.html#t=12.5 opens at 12.5 s */
  if (start) seek(parseFloat(start[1]));
  document.body.dataset.ready = "1";
})();
</script>
</body>
</html>
"""
