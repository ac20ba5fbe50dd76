(function () {
  "use strict";
  var report = JSON.parse(document.getElementById("review-data").textContent);
  var names = JSON.parse(document.getElementById("language-names").textContent);
  var video = document.getElementById("video");
  var overlay = document.getElementById("overlay");
  var select = document.getElementById("language");
  var list = document.getElementById("cues");
  var show = document.getElementById("show");
  var rules = report.rules || {};
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
  function droppedOf(code) {
    return (report.dropped_words || []).filter(function (w) { return w.language === code; });
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
      var label = "#" + cue.number + "  " + clock(cue.start) + " \u2192 " + clock(cue.end);
      if (cue.problems.length) label += "  \u26a0 " + plural(cue.problems.length, "problem");
      row.appendChild(el("div", "when", label));
      row.appendChild(markedText(cue.text, unsure.filter(function (w) { return w.cue === cue.number; })));
      if (cue.problems.length) {
        var problems = el("ul", "problems");
        cue.problems.forEach(function (p) {
          var item = el("li", "", p.message);
          item.dataset.rule = p.rule;
          problems.appendChild(item);
        });
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
      if (data.summary[rule]) broken.push((rules[rule] || rule) + ": " + data.summary[rule]);
    });
    document.getElementById("summary").textContent =
      (names[code] || code) + ": " + plural(counts.cues, "cue") + ", " + counts.with_problems + " breaking a rule" +
      (broken.length ? " (" + broken.join(", ") + ")" : "") + "; " + plural(counts.unsure_words, "unsure word") +
      " (probability below " + report.unsure_below + ").";
    showUnsure(unsure);
    showDropped(droppedOf(code));
    showUntranslated(data.untranslated || []);
    fillShow(data);
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
  /* The repeated words Whisper was unsure of, left out of the cues: each with its time and probability. */
  function showDropped(words) {
    var table = document.getElementById("dropped"), body = table.tBodies[0];
    body.textContent = "";
    words.forEach(function (w) {
      var tr = el("tr"), cell = el("td"), go = el("button", "word", clock(w.start));
      go.type = "button";
      go.addEventListener("click", function () { seek(w.start); });
      cell.appendChild(go);
      tr.appendChild(cell);
      tr.appendChild(el("td", "", w.text));
      tr.appendChild(el("td", "", w.probability.toFixed(2)));
      body.appendChild(tr);
    });
    table.classList.toggle("hidden", !words.length);
    document.getElementById("no-dropped").classList.toggle("hidden", words.length > 0);
  }
  /* The words a translation engine left in the spoken language, by cue (a note under the cue list, like the
     unsure words: each with the cue's time, to seek to, and its number). */
  function showUntranslated(items) {
    var box = document.getElementById("untranslated");
    if (!box) {
      box = el("section", "untranslated");
      box.id = "untranslated";
      var anchor = document.getElementById("dropped");
      (anchor && anchor.parentNode ? anchor.parentNode : document.body).appendChild(box);
    }
    box.textContent = "";
    box.appendChild(el("h2", "", "Left untranslated"));
    if (!items.length) { box.appendChild(el("p", "", "No word was left untranslated.")); return; }
    var listed = el("ul", "words");
    items.forEach(function (item) {
      var li = el("li"), go = el("button", "word", clock(item.start));
      go.type = "button";
      go.addEventListener("click", function () { seek(item.start); });
      li.appendChild(go);
      li.appendChild(document.createTextNode(" #" + item.cue + ": " + item.words.join(", ")));
      listed.appendChild(li);
    });
    box.appendChild(listed);
  }
  /* The choices of cues to show: every cue, those breaking any rule, or those breaking one rule (by its id). */
  function fillShow(data) {
    var kept = show.value, summary = data.summary;
    var choices = [["", "every cue"], ["any", "cues that break a rule (" + data.counts.with_problems + ")"]];
    Object.keys(summary).forEach(function (rule) {
      if (summary[rule]) choices.push([rule, "cues that break: " + (rules[rule] || rule) + " (" + summary[rule] + ")"]);
    });
    show.textContent = "";
    choices.forEach(function (choice) {
      var option = el("option", "", choice[1]);
      option.value = choice[0];
      show.appendChild(option);
    });
    show.value = choices.some(function (choice) { return choice[0] === kept; }) ? kept : "";
  }
  function breaks(cue, rule) {
    if (rule === "any") return cue.problems.length > 0;
    return cue.problems.some(function (p) { return p.rule === rule; });
  }
  function filter() {
    rows.forEach(function (row, i) { row.classList.toggle("hidden", show.value !== "" && !breaks(cues[i], show.value)); });
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
  show.addEventListener("change", filter);
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
  var start = /^#t=(\d+(?:\.\d+)?)$/.exec(window.location.hash);  /* review.html#t=12.5 opens at 12.5 s */
  if (start) seek(parseFloat(start[1]));
  document.body.dataset.ready = "1";
})();
