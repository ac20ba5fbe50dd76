/* The studio's editor: the video with its subtitles drawn over it, the cue list that follows playback, and
   every correction (text, split, merge, line breaks, times, shift, insert, delete), undone and redone, saved
   as a new version a moment after each change, checked against the preset's rules by the server. */
(function () {
  "use strict";
  var root = document.getElementById("editor");
  if (!root) return;

  var jobId = root.dataset.job;
  var names = JSON.parse(root.dataset.languages || "{}");
  var presets = JSON.parse(root.dataset.presets || "[]");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var video = byId("video"), overlay = byId("overlay"), stage = byId("stage"), list = byId("cues");
  var saveState = byId("save-state"), message = byId("message"), picker = byId("language");
  var TINY = 0.01, SAVE_AFTER_MS = 800, CHECK_AFTER_MS = 80, HISTORY = 300;
  /* Text boxes as tall as their text: by CSS where the browser can (no layout per box), else measured. */
  var SIZED = window.CSS && CSS.supports && CSS.supports("field-sizing", "content");

  var s = {
    language: null, version: null, cues: [], problems: [], rules: {}, labels: {}, unsure: 0.5, fps: 25,
    duration: 0, spaced: true, style: null, selected: -1, current: -1, dirty: false, saving: null,
    saveAgain: false, conflict: false, loaded: false
  };
  var undoStack = [], redoStack = [], lastChange = {kind: "", index: -1, at: 0};
  var rows = [], saveTimer = 0, checkTimer = 0, checkSeq = 0, overlayKey = "";

  function byId(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function button(text, act, title) {
    var node = el("button", "", text);
    node.type = "button";
    node.dataset.act = act;
    if (title) node.title = title;
    return node;
  }
  function ms(x) { return Math.round(x * 1000) / 1000; }
  function clock(seconds) {
    var t = Math.max(0, seconds), m = Math.floor(t / 60), rest = (t - 60 * m).toFixed(2);
    return m + ":" + (rest.length < 5 ? "0" : "") + rest;
  }
  function say(text, bad) {
    message.textContent = text;
    message.className = bad ? "message bad" : "message";
  }
  function api(method, path, body) {
    var init = {method: method, credentials: "same-origin", headers: {"Accept": "application/json"}};
    if (method !== "GET") init.headers["X-CSRF-Token"] = csrf;
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch("/api/jobs/" + encodeURIComponent(jobId) + path, init).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return {ok: response.ok, status: response.status, data: data};
      });
    });
  }

  /* Words: each cue keeps its words (text, times, how sure Whisper was), one per word of its text. */
  function tokens(text) {
    if (s.spaced) return text.split(/\s+/).filter(Boolean);
    return Array.from(text.replace(/\s+/g, ""));
  }
  function cueText(cue) { return cue.lines.join("\n"); }
  function linesOf(text) {
    return text.split("\n").map(function (line) { return line.replace(/\s+/g, " ").trim(); }).filter(Boolean);
  }
  /* The words of a cue whose text changed: unchanged words at both ends keep their times and probabilities,
     the changed middle is spread over the time the old middle took (a corrected word is a sure one). */
  function realign(cue, newTokens) {
    var old = cue.words, n = old.length, m = newTokens.length, p = 0, q = 0;
    while (p < n && p < m && old[p].text === newTokens[p]) p++;
    while (q < n - p && q < m - p && old[n - 1 - q].text === newTokens[m - 1 - q]) q++;
    var middleOld = old.slice(p, n - q), middleNew = newTokens.slice(p, m - q), made = [];
    if (middleOld.length === middleNew.length) {
      made = middleNew.map(function (text, k) {
        var w = middleOld[k];
        return {text: text, start: w.start, end: w.end, probability: text === w.text ? w.probability : 1};
      });
    } else if (middleNew.length) {
      var from = middleOld.length ? middleOld[0].start : (p ? old[p - 1].end : cue.start);
      var to = middleOld.length ? middleOld[middleOld.length - 1].end : (q ? old[n - q].start : cue.end);
      if (to <= from) to = from + 0.05 * middleNew.length;  /* a word added after the last word heard */
      var total = middleNew.reduce(function (a, t) { return a + t.length; }, 0), done = 0;
      made = middleNew.map(function (text) {
        var a = from + (to - from) * done / total;
        done += text.length;
        return {text: text, start: ms(a), end: ms(from + (to - from) * done / total), probability: 1};
      });
    }
    cue.words = old.slice(0, p).concat(made, old.slice(n - q));
  }
  /* Lines for a run of words: as few as fit the preset's line length, balanced. */
  function layOut(words) {
    var max = s.rules.max_chars_per_line || 42, most = s.rules.max_lines || 2, sep = s.spaced ? " " : "";
    var whole = words.join(sep);
    if (whole.length <= max || words.length < 2) return [whole];
    var best = null;
    for (var count = 2; count <= Math.max(2, most); count++) {
      best = balanced(words, count, sep);
      if (best && Math.max.apply(null, best.map(function (l) { return l.length; })) <= max) return best;
    }
    return best || [whole];
  }
  function balanced(words, count, sep) {
    /* the break points that make the longest line shortest */
    var n = words.length, best = null, bestWidth = Infinity;
    function walk(from, left, acc) {
      if (left === 1) {
        var lines = acc.concat([words.slice(from).join(sep)]);
        var width = Math.max.apply(null, lines.map(function (l) { return l.length; }));
        if (width < bestWidth) { bestWidth = width; best = lines; }
        return;
      }
      for (var k = from + 1; k <= n - left + 1; k++) walk(k, left - 1, acc.concat([words.slice(from, k).join(sep)]));
    }
    if (n >= count && n <= 60) walk(0, count, []);
    return best;
  }

  /* History: whole snapshots, typing in one cue coalesced into one step. */
  function snapshot() { return JSON.stringify(s.cues); }
  function change(kind, index, mutate, rerender) {
    var now = Date.now();
    var coalesce = kind === "type" && lastChange.kind === "type" && lastChange.index === index && now - lastChange.at < 1500;
    if (!coalesce) {
      undoStack.push(snapshot());
      if (undoStack.length > HISTORY) undoStack.shift();
    }
    redoStack = [];
    lastChange = {kind: kind, index: index, at: now};
    mutate();
    if (rerender) renderList(); else if (index >= 0) refreshRow(index);
    edited();
  }
  function restore(from, to) {
    if (!from.length) return;
    to.push(snapshot());
    s.cues = JSON.parse(from.pop());
    lastChange = {kind: "", index: -1, at: 0};
    s.selected = Math.min(s.selected, s.cues.length - 1);
    renderList();
    edited();
  }
  function undo() { restore(undoStack, redoStack); say(undoStack.length || redoStack.length ? "Undone." : ""); }
  function redo() { restore(redoStack, undoStack); say("Redone."); }
  function edited() {
    s.dirty = true;
    byId("undo").disabled = !undoStack.length;
    byId("redo").disabled = !redoStack.length;
    keepLocally();
    overlayKey = "";
    drawOverlay();
    scheduleCheck();
    scheduleSave();
  }

  /* Saving: a new version a moment after the last change; a newer version saved elsewhere is a conflict. */
  function storageKey() { return "subtitler-edit:" + jobId + ":" + s.language; }
  function keepLocally() {
    try { localStorage.setItem(storageKey(), JSON.stringify({base: s.version, cues: s.cues, at: Date.now()})); } catch (e) { /* full */ }
  }
  function setSaveState(text, kind) {
    saveState.textContent = text;
    saveState.className = "save-state" + (kind ? " " + kind : "");
  }
  function savedText() { return s.version === null ? "not corrected yet" : "saved (version " + s.version + ")"; }
  function scheduleSave() {
    clearTimeout(saveTimer);
    if (s.conflict) return;
    setSaveState("unsaved changes", "pending");
    saveTimer = setTimeout(save, SAVE_AFTER_MS);
  }
  function payload() {
    return s.cues.map(function (c) { return {start: c.start, end: c.end, lines: c.lines, words: c.words}; });
  }
  function save() {
    clearTimeout(saveTimer);
    if (s.conflict) return Promise.resolve(false);
    if (s.saving) { s.saveAgain = true; return s.saving; }
    if (!s.dirty) return Promise.resolve(true);
    var language = s.language;
    s.dirty = false;
    setSaveState("saving\u2026", "pending");
    s.saving = api("PUT", "/cues/" + encodeURIComponent(language), {base: s.version, cues: payload()}).then(function (res) {
      s.saving = null;
      if (language !== s.language) return false;
      if (res.ok) {
        s.version = res.data.version;
        if (!s.dirty) {
          try { localStorage.removeItem(storageKey()); } catch (e) { /* private mode */ }
        } else keepLocally();
        setSaveState(savedText(), "saved");
        if (s.saveAgain || s.dirty) { s.saveAgain = false; return save(); }
        return true;
      }
      s.dirty = true;
      s.saveAgain = false;
      if (res.status === 409 && res.data.current !== undefined) { showConflict(res.data.current); return false; }
      setSaveState("not saved: " + (res.data.error || "error " + res.status), "bad");
      return false;
    }, function () {
      s.saving = null;
      s.dirty = true;
      setSaveState("not saved: the studio cannot be reached (trying again)", "bad");
      saveTimer = setTimeout(save, 5000);
      return false;
    });
    return s.saving;
  }
  function keptText(cues) {
    return cues.map(function (c, k) {
      return (k + 1) + "   " + clock(c.start) + " \u2192 " + clock(c.end) + "\n" + c.lines.join("\n");
    }).join("\n\n");
  }
  function showKept(text, note) {
    byId("conflict").hidden = false;
    byId("conflict-text").firstChild.textContent = note;
    byId("kept").value = text;
  }
  function showConflict(current) {
    s.conflict = true;
    keepLocally();
    showKept(keptText(s.cues), "Someone saved a newer version: reload to see it, your text is kept below.");
    byId("reload").hidden = false;
    byId("keep-mine").hidden = false;
    setSaveState("not saved: version " + current + " is newer", "bad");
    byId("keep-mine").dataset.current = current;
  }
  function reloadNewer() {
    s.conflict = false;
    s.dirty = false;
    byId("reload").hidden = true;
    byId("keep-mine").hidden = true;
    byId("conflict-text").firstChild.textContent = "The newer version is shown. Your text is kept below: copy what you need from it.";
    load(s.language, true);
  }
  function keepMine() {
    s.conflict = false;
    s.version = Number(byId("keep-mine").dataset.current);
    s.dirty = true;
    byId("conflict").hidden = true;
    save();
  }

  /* Checking: the server runs the preset's own rules (the pipeline's), one request a moment after a change. */
  function scheduleCheck() {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(runCheck, CHECK_AFTER_MS);
  }
  function runCheck() {
    var seq = ++checkSeq, began = performance.now();
    var cues = s.cues.map(function (c) { return {start: c.start, end: c.end, lines: c.lines}; });
    return api("POST", "/check", {cues: cues}).then(function (res) {
      if (seq !== checkSeq || !res.ok) return;
      s.problems = res.data.cues;
      rows.forEach(function (row, k) { showProblems(row, k); });
      showCounts();
      root.dataset.checkMs = (performance.now() - began).toFixed(1);
      root.dataset.checked = String(seq);
    });
  }

  /* The cue list. */
  function renderList() {
    var fragment = document.createDocumentFragment();
    rows = s.cues.map(function (cue, k) { var row = makeRow(k); fragment.appendChild(row); return row; });
    list.textContent = "";
    list.appendChild(fragment);
    if (!SIZED) rows.forEach(function (row) { fit(row.querySelector("textarea")); });
    markRows();
    showCounts();
  }
  function makeRow(k) {
    var row = el("li", "cue");
    row.dataset.index = k;
    var head = el("div", "cue-head");
    head.appendChild(el("span", "number", String(k + 1)));
    head.appendChild(button("", "seek", "Play from here"));
    var nudges = el("span", "nudges");
    nudges.appendChild(button("\u2212", "start-earlier", "Start one frame earlier ([)"));
    nudges.appendChild(el("span", "label", "start"));
    nudges.appendChild(button("+", "start-later", "Start one frame later (])"));
    nudges.appendChild(button("\u2212", "end-earlier", "End one frame earlier (Shift+[)"));
    nudges.appendChild(el("span", "label", "end"));
    nudges.appendChild(button("+", "end-later", "End one frame later (Shift+])"));
    head.appendChild(nudges);
    var actions = el("span", "actions");
    actions.appendChild(button("Split", "split", "Split at the cursor (Ctrl+Enter)"));
    actions.appendChild(button("Join the next", "merge", "Join with the next subtitle"));
    actions.appendChild(button("Line break \u2190", "break-earlier", "Move the line break one word earlier"));
    actions.appendChild(button("Line break \u2192", "break-later", "Move the line break one word later"));
    actions.appendChild(button("Insert after", "insert", "Insert an empty subtitle after this one"));
    actions.appendChild(button("Delete", "delete", "Delete this subtitle"));
    row.appendChild(head);
    var box = el("div", "textbox");
    box.appendChild(el("div", "backdrop"));
    var area = el("textarea", "text");
    area.rows = 2;
    area.spellcheck = true;
    area.lang = s.language;
    area.setAttribute("aria-label", "Subtitle " + (k + 1));
    box.appendChild(area);
    row.appendChild(box);
    row.appendChild(el("ul", "problems"));
    row.appendChild(el("p", "source"));
    row.appendChild(actions);
    fillRow(row, k);
    return row;
  }
  function fillRow(row, k) {
    var cue = s.cues[k];
    row.querySelector("[data-act=seek]").textContent = clock(cue.start) + " \u2192 " + clock(cue.end) +
      "  (" + (cue.end - cue.start).toFixed(2) + " s)";
    var area = row.querySelector("textarea");
    if (document.activeElement !== area) area.value = cueText(cue);  /* never under the cursor of someone typing */
    paintBackdrop(row, k);
    showProblems(row, k);
    var source = row.querySelector(".source");
    source.textContent = cue.source || "";
    source.hidden = !cue.source;
  }
  function refreshRow(k) { if (rows[k]) { fillRow(rows[k], k); fit(rows[k].querySelector("textarea")); } }
  function fit(area) {
    if (SIZED) return;
    area.style.height = "auto";
    area.style.height = area.scrollHeight + 2 + "px";
  }
  /* Behind the transparent text, the same text with the words Whisper was unsure of marked. */
  function paintBackdrop(row, k) {
    var cue = s.cues[k], area = row.querySelector("textarea"), back = row.querySelector(".backdrop");
    var text = area.value, words = cue.words, index = 0, at = 0, match;
    var pattern = s.spaced ? /\S+/g : /\S/g;
    back.textContent = "";
    while ((match = pattern.exec(text)) !== null) {
      var w = words[index++];
      if (!w || w.probability >= s.unsure || w.text !== match[0]) continue;
      back.appendChild(document.createTextNode(text.slice(at, match.index)));
      var mark = el("mark", "unsure", match[0]);
      back.appendChild(mark);
      at = match.index + match[0].length;
    }
    back.appendChild(document.createTextNode(text.slice(at) + "\n"));
    var unsure = words.filter(function (w) { return w.probability < s.unsure; });
    area.title = unsure.length ? "Whisper was unsure of: " + unsure.map(function (w) {
      return w.text + " (" + w.probability.toFixed(2) + ")";
    }).join(", ") : "";
  }
  function showProblems(row, k) {
    var ul = row.querySelector(".problems"), problems = s.problems[k] || [];
    ul.textContent = "";
    problems.forEach(function (p) {
      var li = el("li", "problem");
      li.dataset.rule = p.rule;
      li.appendChild(el("strong", "", (p.label || p.rule) + ": "));
      li.appendChild(document.createTextNode(p.message));
      ul.appendChild(li);
    });
    row.classList.toggle("bad", problems.length > 0);
  }
  function showCounts() {
    var bad = s.problems.filter(function (p) { return p && p.length; }).length;
    var unsure = s.cues.reduce(function (a, c) {
      return a + c.words.filter(function (w) { return w.probability < s.unsure; }).length;
    }, 0);
    byId("counts").textContent = s.cues.length + " subtitles" + (bad ? ", " + bad + " breaking a rule" : ", all within the rules") +
      (unsure ? ", " + unsure + " unsure words marked" : "");
  }
  function markRows() {
    rows.forEach(function (row, k) {
      row.classList.toggle("current", k === s.current);
      row.classList.toggle("selected", k === s.selected);
    });
  }
  function select(k, seekToo) {
    s.selected = k;
    markRows();
    if (seekToo && s.cues[k]) seek(s.cues[k].start);
  }
  function seek(t) {
    video.currentTime = Math.max(0, t + 0.001);
    overlayKey = "";
    drawOverlay();
  }

  /* Corrections. */
  function typed(k, area) {
    change("type", k, function () {
      var cue = s.cues[k];
      cue.lines = linesOf(area.value);
      realign(cue, tokens(cue.lines.join(" ")));
    }, false);
  }
  function nudge(k, edge, frames) {
    var cue = s.cues[k];
    if (!cue) { say("Choose a subtitle first: click it.", true); return; }
    var frame = 1 / s.fps;
    change("nudge-" + edge, k, function () {
      if (edge === "start") cue.start = ms(Math.min(Math.max(0, cue.start + frames * frame), cue.end - TINY));
      else cue.end = ms(Math.min(Math.max(cue.start + TINY, cue.end + frames * frame), s.duration || Infinity));
    }, false);
    if (video.paused) seek(edge === "start" ? cue.start : cue.end - frame / 2);
    say((edge === "start" ? "Start " : "End ") + "of subtitle " + (k + 1) + ": " + clock(edge === "start" ? cue.start : cue.end));
  }
  function caretToken(area) {
    var before = area.value.slice(0, area.selectionStart);
    return tokens(before).length - (/\S$/.test(before) && s.spaced ? 1 : 0);
  }
  function split(k) {
    var cue = s.cues[k], area = rows[k].querySelector("textarea");
    var all = tokens(cue.lines.join(" ")), at = caretToken(area);
    if (at <= 0 || at >= all.length) { say("Put the cursor between two words, then split.", true); return; }
    var words = cue.words.length === all.length ? cue.words : null;
    var gap = s.rules.min_gap || 0;
    var second = words ? Math.max(words[at].start, cue.start + TINY) : cue.start + (cue.end - cue.start) * at / all.length;
    second = Math.min(second, cue.end - TINY);
    var firstEnd = words ? Math.min(Math.max(words[at - 1].end, cue.start + TINY), second - gap) : second - gap;
    firstEnd = Math.max(firstEnd, cue.start + TINY);
    change("split", k, function () {
      var a = {start: cue.start, end: ms(firstEnd), lines: layOut(all.slice(0, at)),
               words: cue.words.slice(0, at), source: cue.source};
      var b = {start: ms(Math.max(second, firstEnd)), end: cue.end, lines: layOut(all.slice(at)),
               words: cue.words.slice(at), source: cue.source};
      s.cues.splice(k, 1, a, b);
    }, true);
    select(k + 1);
    focusText(k + 1, 0);
    say("Split into subtitles " + (k + 1) + " and " + (k + 2) + ".");
  }
  function merge(k) {
    if (k + 1 >= s.cues.length) { say("There is no next subtitle to join.", true); return; }
    change("merge", k, function () {
      var a = s.cues[k], b = s.cues[k + 1];
      var all = tokens(a.lines.join(" ")).concat(tokens(b.lines.join(" ")));
      var source = a.source === b.source ? a.source : [a.source, b.source].filter(Boolean).join(" ");
      s.cues.splice(k, 2, {start: a.start, end: Math.max(a.end, b.end), lines: layOut(all),
                           words: a.words.concat(b.words), source: source});
    }, true);
    select(k);
    say("Joined subtitles " + (k + 1) + " and " + (k + 2) + ".");
  }
  function moveBreak(k, direction) {
    var cue = s.cues[k];
    if (cue.lines.length < 2) { say("This subtitle has one line: put the cursor where it should break and press Enter.", true); return; }
    var first = tokens(cue.lines[0]), second = tokens(cue.lines[1]), sep = s.spaced ? " " : "";
    if (direction < 0 && first.length > 1) second.unshift(first.pop());
    else if (direction > 0 && second.length > 1) first.push(second.shift());
    else return;
    change("break", k, function () { cue.lines = [first.join(sep), second.join(sep)].concat(cue.lines.slice(2)); }, false);
  }
  function insertAfter(k) {
    var gap = s.rules.min_gap || 0, prev = s.cues[k], next = s.cues[k + 1];
    var from = prev ? prev.end + gap : Math.max(0, video.currentTime);
    var room = (next ? next.start - gap : s.duration) - from;
    if (room < 0.2) { say("There is no room after this subtitle: move its end or the next one's start first.", true); return; }
    var cue = {start: ms(from), end: ms(from + Math.min(room, 2)), lines: [], words: [], source: ""};
    change("insert", k + 1, function () { s.cues.splice(k + 1, 0, cue); }, true);
    select(k + 1, true);
    focusText(k + 1, 0);
    say("Type the new subtitle's text.");
  }
  function remove(k) {
    change("delete", k, function () { s.cues.splice(k, 1); }, true);
    s.selected = Math.min(k, s.cues.length - 1);
    markRows();
    say("Subtitle " + (k + 1) + " deleted (Ctrl+Z brings it back).");
  }
  function shiftAll() {
    var shift = Number(byId("shift-ms").value) / 1000;
    if (!isFinite(shift) || shift === 0) { say("Give the shift in milliseconds, such as 250 or -250.", true); return; }
    var first = s.cues.reduce(function (a, c) { return Math.min(a, c.start); }, Infinity);
    if (first + shift < 0) { say("That would move the first subtitle before the start of the video.", true); return; }
    change("shift", -1, function () {
      s.cues.forEach(function (c) {
        c.start = ms(c.start + shift);
        c.end = ms(c.end + shift);
        c.words.forEach(function (w) { w.start = ms(w.start + shift); w.end = ms(w.end + shift); });
      });
    }, true);
    say("Every subtitle moved " + (shift > 0 ? "later" : "earlier") + " by " + Math.abs(shift * 1000) + " ms.");
  }
  function focusText(k, caret) {
    var row = rows[k];
    if (!row) return;
    var area = row.querySelector("textarea");
    area.focus();
    area.setSelectionRange(caret, caret);
    row.scrollIntoView({block: "nearest"});
  }

  list.addEventListener("input", function (e) {
    if (e.target.tagName !== "TEXTAREA") return;
    var k = Number(e.target.closest(".cue").dataset.index);
    typed(k, e.target);
    fit(e.target);
  });
  list.addEventListener("focusin", function (e) {
    var row = e.target.closest(".cue");
    if (row) select(Number(row.dataset.index), e.target.tagName === "TEXTAREA" && video.paused);
  });
  list.addEventListener("focusout", function (e) {
    if (e.target.tagName !== "TEXTAREA") return;
    var k = Number(e.target.closest(".cue").dataset.index);
    if (s.cues[k] && e.target.value !== cueText(s.cues[k])) e.target.value = cueText(s.cues[k]);
    lastChange = {kind: "", index: -1, at: 0};
  });
  list.addEventListener("click", function (e) {
    var target = e.target.closest("[data-act]"), row = e.target.closest(".cue");
    if (!row) return;
    var k = Number(row.dataset.index);
    if (!target) { if (e.target.tagName !== "TEXTAREA") select(k, true); return; }
    select(k);
    var act = target.dataset.act;
    if (act === "seek") seek(s.cues[k].start);
    else if (act === "start-earlier") nudge(k, "start", -1);
    else if (act === "start-later") nudge(k, "start", 1);
    else if (act === "end-earlier") nudge(k, "end", -1);
    else if (act === "end-later") nudge(k, "end", 1);
    else if (act === "split") split(k);
    else if (act === "merge") merge(k);
    else if (act === "break-earlier") moveBreak(k, -1);
    else if (act === "break-later") moveBreak(k, 1);
    else if (act === "insert") insertAfter(k);
    else if (act === "delete") remove(k);
  });

  /* Keyboard. */
  var BRACKETS = {"[": ["start", -1], "]": ["start", 1], "{": ["end", -1], "}": ["end", 1]};
  function target() { return s.selected >= 0 ? s.selected : s.current; }
  document.addEventListener("keydown", function (e) {
    var tag = e.target.tagName, typing = tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT";
    var ctrl = e.ctrlKey || e.metaKey, key = e.key;
    if (!byId("publish").hidden) { if (key === "Escape") closePublish(); return; }
    if (ctrl && !e.altKey && (key === "z" || key === "Z")) { e.preventDefault(); if (e.shiftKey) redo(); else undo(); return; }
    if (ctrl && !e.altKey && (key === "y" || key === "Y")) { e.preventDefault(); redo(); return; }
    if (ctrl && !e.altKey && (key === "s" || key === "S")) { e.preventDefault(); save(); return; }
    if (ctrl && key === "Enter" && tag === "TEXTAREA") { e.preventDefault(); split(target()); return; }
    if (e.altKey && !ctrl && (key === "ArrowLeft" || key === "ArrowRight")) {
      e.preventDefault();
      nudge(target(), e.shiftKey ? "end" : "start", key === "ArrowLeft" ? -1 : 1);
      return;
    }
    if (e.altKey && !ctrl && (key === "ArrowUp" || key === "ArrowDown")) {
      e.preventDefault();
      var k = Math.min(Math.max(target() + (key === "ArrowUp" ? -1 : 1), 0), s.cues.length - 1);
      select(k, true);
      if (rows[k]) rows[k].scrollIntoView({block: "nearest"});
      return;
    }
    if (typing) return;
    var bracket = BRACKETS[key] || (e.code === "BracketLeft" ? [e.shiftKey ? "end" : "start", -1] :
                                    e.code === "BracketRight" ? [e.shiftKey ? "end" : "start", 1] : null);
    if (bracket) { e.preventDefault(); nudge(target(), bracket[0], bracket[1]); return; }
    if (key === " " && tag !== "BUTTON") { e.preventDefault(); if (video.paused) video.play(); else video.pause(); return; }
    if (key === "," || key === ".") { e.preventDefault(); step(key === "," ? -1 : 1); }
  });

  /* The picture: the subtitles drawn over the video as the preset styles them, following playback. */
  function cueAt(t) {
    for (var k = s.cues.length - 1; k >= 0; k--) if (s.cues[k].start <= t && t < s.cues[k].end) return k;
    return -1;
  }
  function hexRgba(hex, alpha) {
    var v = parseInt(String(hex).slice(1), 16);
    return "rgba(" + (v >> 16 & 255) + "," + (v >> 8 & 255) + "," + (v & 255) + "," + alpha + ")";
  }
  function placeOverlay() {
    var st = s.style;
    if (!st) return;
    var w = stage.clientWidth, h = video.clientHeight, vw = video.videoWidth, vh = video.videoHeight;
    var aspect = vw && vh ? vw / vh : (st.canvas.width * st.canvas.sar) / st.canvas.height;
    var pw = w, ph = w / aspect;
    if (ph > h) { ph = h; pw = h * aspect; }
    overlay.style.left = (w - pw) / 2 + "px";
    overlay.style.top = (h - ph) / 2 + "px";
    overlay.style.width = pw + "px";
    overlay.style.height = ph + "px";
    var size = st.font_share * ph, outline = st.outline_share * ph, shadow = st.shadow_share * ph;
    overlay.style.fontFamily = '"' + st.font + '", "DejaVu Sans", sans-serif';
    overlay.style.fontSize = size + "px";
    overlay.style.fontWeight = st.bold ? "700" : "400";
    overlay.style.color = st.primary_colour;
    overlay.style.padding = "0 " + st.margin_horizontal * pw + "px";
    overlay.dataset.align = st.alignment;
    overlay.style.setProperty("--margin", st.margin_vertical * ph + "px");
    var box = st.border_style === "box", shadows = [];
    if (!box && outline > 0) {
      var o = Math.max(outline, 0.75);
      for (var a = 0; a < 16; a++) {
        shadows.push((o * Math.cos(a * Math.PI / 8)).toFixed(2) + "px " + (o * Math.sin(a * Math.PI / 8)).toFixed(2) + "px 0 " + st.outline_colour);
      }
    }
    if (shadow > 0) shadows.push(shadow.toFixed(2) + "px " + shadow.toFixed(2) + "px 0 " + hexRgba(st.back_colour, st.back_opacity));
    overlay.style.textShadow = shadows.join(", ") || "none";
    overlay.style.setProperty("--box", box ? hexRgba(st.back_colour, st.back_opacity) : "transparent");
    overlay.style.setProperty("--box-pad", box ? Math.max(outline, 2) + "px" : "0");
    overlayKey = "";
    drawOverlay();
  }
  function drawOverlay() {
    var t = video.currentTime, k = cueAt(t);
    if (k !== s.current) {
      s.current = k;
      markRows();
      var active = document.activeElement;
      if (k >= 0 && rows[k] && !(active && active.tagName === "TEXTAREA")) rows[k].scrollIntoView({block: "nearest"});
    }
    var cue = s.cues[k], st = s.style, spoken = -1;
    if (cue && st && st.highlight !== "none") {
      cue.words.forEach(function (w, i) { if (w.start <= t) spoken = i; });
    }
    var key = k + ":" + spoken + ":" + (cue ? cueText(cue) : "");
    if (key === overlayKey) return;
    overlayKey = key;
    overlay.textContent = "";
    if (!cue) return;
    var block = el("div", "block"), index = 0;
    cue.lines.forEach(function (line, n) {
      if (n) block.appendChild(el("br"));
      var span = el("span", "line");
      if (spoken < 0) span.textContent = line;
      else {
        line.split(/(\s+)/).forEach(function (part) {
          if (!part.trim()) { span.appendChild(document.createTextNode(part)); return; }
          var word = el("span", index === spoken ? "spoken" : "", part);
          if (index === spoken) {
            if (st.highlight === "colour" || st.highlight === "both") word.style.color = st.highlight_colour;
            if (st.highlight === "scale" || st.highlight === "both") word.style.fontSize = st.highlight_scale + "em";
          }
          index++;
          span.appendChild(word);
        });
      }
      block.appendChild(span);
    });
    overlay.appendChild(block);
  }
  function following() {
    drawOverlay();
    if (!video.paused) requestAnimationFrame(following);
  }
  function showClock() {
    var duration = video.duration || s.duration || 0;
    byId("clock").textContent = clock(video.currentTime) + " / " + clock(duration);
    var bar = byId("seek");
    bar.max = String(duration || 1);
    if (document.activeElement !== bar) bar.value = String(video.currentTime);
    byId("play").textContent = video.paused ? "Play" : "Pause";
  }
  function step(frames) {
    video.pause();
    seek(Math.min(Math.max(0, video.currentTime + frames / s.fps), (video.duration || s.duration) - 0.001));
  }
  video.addEventListener("play", function () { showClock(); requestAnimationFrame(following); });
  video.addEventListener("pause", showClock);
  video.addEventListener("seeked", drawOverlay);
  video.addEventListener("timeupdate", function () { drawOverlay(); showClock(); });
  video.addEventListener("loadedmetadata", function () { placeOverlay(); showClock(); });
  video.addEventListener("click", function () { if (video.paused) video.play(); else video.pause(); });
  window.addEventListener("resize", placeOverlay);
  byId("play").addEventListener("click", function () { if (video.paused) video.play(); else video.pause(); });
  byId("step-back").addEventListener("click", function () { step(-1); });
  byId("step-on").addEventListener("click", function () { step(1); });
  byId("seek").addEventListener("input", function () { seek(Number(byId("seek").value)); showClock(); });
  byId("mute").addEventListener("click", function () {
    video.muted = !video.muted;
    byId("mute").textContent = video.muted ? "Sound on" : "Sound off";
  });

  /* The frame as it will be burned: drawn by the server with the same ASS and libass as the burn. */
  function hideFrame() { byId("frame-box").hidden = true; }
  function showFrame() {
    var preset = byId("preset").value, t = video.currentTime;
    video.pause();
    say("Drawing the frame\u2026");
    save().then(function () {
      var query = "?lang=" + encodeURIComponent(s.language) + "&t=" + t.toFixed(3);
      var path = preset ? "/still" + query + "&preset=" + encodeURIComponent(preset) : "/frame" + query;
      var img = byId("frame");
      img.onload = function () {
        byId("frame-box").hidden = false;
        byId("frame-caption").textContent = "Burned frame at " + clock(t) + (preset ? ", as the preset " + preset + " draws it" : ", exactly as the video will show it");
        say("");
      };
      img.onerror = function () {
        api("GET", path).then(function (res) { say("The frame cannot be drawn: " + (res.data.error || res.status), true); });
      };
      img.src = "/api/jobs/" + encodeURIComponent(jobId) + path;
    });
  }

  /* The glossary. */
  function selectedWord() {
    var active = document.activeElement;
    if (active && active.tagName === "TEXTAREA" && active.selectionEnd > active.selectionStart) {
      return active.value.slice(active.selectionStart, active.selectionEnd);
    }
    return String(window.getSelection ? window.getSelection() : "");
  }
  var lastSelection = "";
  document.addEventListener("selectionchange", function () {
    var word = selectedWord().trim();
    if (word && word.length <= 60) lastSelection = word;
    var label = word && word.length <= 40 ? "Add \u201c" + word + "\u201d to the glossary" : "Add a word to the glossary";
    byId("add-term").textContent = label;
  });
  function showTerms(terms) {
    var ul = byId("terms");
    ul.textContent = "";
    terms.forEach(function (t) { ul.appendChild(el("li", "", t)); });
    if (!terms.length) ul.appendChild(el("li", "none", "No terms yet: select a name in a subtitle and add it."));
  }
  function addTerm() {
    var word = (selectedWord().trim() || lastSelection).trim();
    if (!word) { say("Select a word first: double-click it in a subtitle.", true); return; }
    api("POST", "/glossary", {term: word}).then(function (res) {
      if (!res.ok) { say("Not added: " + (res.data.error || res.status), true); return; }
      showTerms(res.data.terms);
      say("\u201c" + word + "\u201d is in this video's glossary.");
    });
  }

  /* Publishing: the corrected languages, and the copies of this video for other networks (those made before are
     published again; a network ticked here gets a new copy, from the same transcript and corrections). */
  var publishTimer = 0, events = null;
  var networks = JSON.parse(root.dataset.networks || "[]");
  var copies = JSON.parse(root.dataset.copies || "[]");
  function openPublish() {
    save();
    var box = byId("publish-languages");
    box.textContent = "";
    Object.keys(names).forEach(function (code) {
      var li = el("li"), label = el("label"), input = el("input");
      input.type = "checkbox";
      input.value = code;
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + names[code] + " "));
      var note = el("span", "note", "\u2026");
      label.appendChild(note);
      li.appendChild(label);
      box.appendChild(li);
      api("GET", "/cues/" + encodeURIComponent(code)).then(function (res) {
        var edited = res.ok && res.data.edited;
        var version = code === s.language ? s.version : res.data.version;
        note.textContent = edited || (code === s.language && s.version !== null) ? "corrected (version " + version + ")" : "not corrected";
        input.checked = edited || code === s.language && s.version !== null;
      });
    });
    var nets = byId("publish-networks");
    nets.textContent = "";
    networks.forEach(function (name) {
      var li = el("li"), label = el("label"), input = el("input"), made = copies.indexOf(name) >= 0;
      input.type = "checkbox";
      input.value = name;
      input.checked = made;
      input.disabled = made;
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + name + " "));
      if (made) label.appendChild(el("span", "note", "(its copy is published again)"));
      li.appendChild(label);
      nets.appendChild(li);
    });
    nets.parentNode.hidden = !networks.length;
    byId("publish").hidden = false;
    byId("publish-go").focus();
  }
  function closePublish() { byId("publish").hidden = true; }
  function logLine(text, kind) {
    var li = el("li", kind || "", text);
    byId("publish-log").appendChild(li);
  }
  function ticked(id) {
    return Array.prototype.filter.call(byId(id).querySelectorAll("input:checked"), function (i) { return !i.disabled; })
      .map(function (i) { return i.value; });
  }
  function startPublish() {
    var codes = ticked("publish-languages"), wanted = ticked("publish-networks");
    if (!codes.length && !wanted.length) { logLine("Tick the languages to publish.", "bad"); return; }
    byId("publish-go").disabled = true;
    byId("publish-log").textContent = "";
    shown = {};
    save().then(function (saved) {
      if (!saved && s.dirty) { byId("publish-go").disabled = false; logLine("Your last change is not saved: publish after it is.", "bad"); return; }
      api("POST", "/publish", {languages: codes, retranslate: byId("publish-retranslate").checked, presets: wanted}).then(function (res) {
        if (res.status !== 202) { byId("publish-go").disabled = false; logLine("Not published: " + (res.data.error || res.status), "bad"); return; }
        var all = (res.data.copies || []).map(function (c) { return c.preset; });
        all.forEach(function (name) { if (copies.indexOf(name) < 0) copies.push(name); });
        logLine("Publishing " + (codes.map(function (c) { return names[c]; }).join(", ") || "this video") +
          (all.length ? ", with its copies for " + all.join(", ") : "") + "\u2026");
        listen();
        publishTimer = setTimeout(poll, 700);
      });
    });
  }
  var shown = {};
  function once(key, say) { if (!shown[key]) { shown[key] = true; say(); } }
  function progress(state) {
    if (!state || state.type !== "publish" || String(state.job) !== String(jobId)) return;
    var parts = state.copies || [];
    if ((state.state === "running" || state.state === "queued") && state.message) {
      once(state.state + ":" + state.message, function () { logLine(state.message + "\u2026"); });
    }
    parts.forEach(function (copy) {
      if (copy.state !== "running" && copy.state !== "queued") return;
      once(copy.preset + ":" + copy.state + ":" + copy.message, function () { logLine("For " + copy.preset + ": " + copy.message + "\u2026"); });
    });
    if (state.state !== "done" && state.state !== "failed") return;
    once("end", function () {
      if (state.state === "done") logLine("Published: " + (state.outputs || []).length + " files made again.", "good");
      else logLine("Publishing failed: " + state.message, "bad");
      if ((state.reused || []).indexOf("transcribe") >= 0) logLine("Nothing was transcribed again: the transcript was kept.");
      (state.outputs || []).forEach(function (name) { logLine(name, "file"); });
      parts.forEach(function (copy) {
        var line = "For " + copy.preset + ": ";
        if (copy.state === "done") line += (copy.outputs || []).length + " files " + (copy.new ? "made (a new copy)" : "made again");
        else line += "not published: " + copy.message;
        if ((copy.reused || []).indexOf("transcribe") >= 0) line += ", nothing transcribed";
        logLine(line + ".", copy.state === "done" ? "copy" : "bad");
        (copy.kept || []).forEach(function (code) {
          logLine("Its " + (names[code] || code) + " subtitles were corrected in that copy itself: kept as they are.", "bad");
        });
        (copy.outputs || []).forEach(function (name) { logLine(name, "file"); });
      });
      finishPublish();
    });
  }
  function poll() {
    api("GET", "/publish").then(function (res) {
      if (res.ok) progress(res.data);
      if (!res.ok || res.data.state === "queued" || res.data.state === "running") publishTimer = setTimeout(poll, 700);
    });
  }
  function listen() {
    if (!window.EventSource || events) return;
    events = new EventSource("/api/events");
    events.onmessage = function (e) { try { progress(JSON.parse(e.data)); } catch (err) { /* another kind */ } };
    events.addEventListener("publish", events.onmessage);
  }
  function finishPublish() {
    clearTimeout(publishTimer);
    if (events) { events.close(); events = null; }
    byId("publish-go").disabled = false;
    root.dataset.published = String(Number(root.dataset.published || 0) + 1);
  }

  /* Loading a language. */
  function load(language, keepKept) {
    setSaveState("loading\u2026", "pending");
    return api("GET", "/cues/" + encodeURIComponent(language)).then(function (res) {
      if (!res.ok) { setSaveState("cannot load: " + (res.data.error || res.status), "bad"); return; }
      var d = res.data;
      s.language = d.language; s.version = d.version; s.cues = d.cues; s.problems = d.problems || [];
      s.rules = d.rules; s.labels = d.labels; s.unsure = d.unsure_below; s.fps = d.fps; s.duration = d.duration;
      s.spaced = d.spaced; s.style = d.style; s.selected = -1; s.current = -1; s.dirty = false; s.conflict = false;
      undoStack = []; redoStack = [];
      byId("undo").disabled = byId("redo").disabled = true;
      if (!keepKept) byId("conflict").hidden = true;
      picker.value = s.language;
      renderList();
      placeOverlay();
      setSaveState(savedText(), "saved");
      restoreLocal();
      root.dataset.ready = "1";
      root.dataset.loads = String(Number(root.dataset.loads || 0) + 1);
      if (!s.loaded) { s.loaded = true; performance.mark("editor-ready"); }
    });
  }
  function restoreLocal() {
    var kept = null;
    try { kept = JSON.parse(localStorage.getItem(storageKey()) || "null"); } catch (e) { kept = null; }
    if (!kept || !Array.isArray(kept.cues)) return;
    if (kept.base === s.version) {
      undoStack.push(snapshot());
      s.cues = kept.cues;
      renderList();
      edited();
      say("Your unsaved changes from before are back.");
    } else if (byId("conflict").hidden) {
      showKept(keptText(kept.cues), "A newer version was saved since your last unsaved changes: they are kept below.");
      byId("reload").hidden = true;
      byId("keep-mine").hidden = true;
    }
  }

  Object.keys(names).forEach(function (code) {
    var option = el("option", "", names[code] + " (" + code + ")");
    option.value = code;
    picker.appendChild(option);
  });
  [""].concat(presets).forEach(function (name) {
    var option = el("option", "", name || "this video's settings (" + root.dataset.preset + ")");
    option.value = name;
    byId("preset").appendChild(option);
  });
  picker.addEventListener("change", function () {
    var wanted = picker.value;
    picker.value = s.language;
    save().then(function (saved) {
      if (!saved && s.dirty) { say("Your changes are not saved yet: switch language once they are.", true); return; }
      load(wanted);
    });
  });
  byId("undo").addEventListener("click", undo);
  byId("redo").addEventListener("click", redo);
  byId("reload").addEventListener("click", reloadNewer);
  byId("keep-mine").addEventListener("click", keepMine);
  byId("dismiss-kept").addEventListener("click", function () { byId("conflict").hidden = true; });
  byId("show-frame").addEventListener("click", showFrame);
  byId("hide-frame").addEventListener("click", hideFrame);
  video.addEventListener("play", hideFrame);
  video.addEventListener("seeking", hideFrame);
  byId("shift-all").addEventListener("click", shiftAll);
  byId("add-term").addEventListener("mousedown", function (e) { e.preventDefault(); });  /* keep the selection */
  byId("add-term").addEventListener("click", addTerm);
  byId("open-publish").addEventListener("click", openPublish);
  byId("publish-close").addEventListener("click", closePublish);
  byId("publish-go").addEventListener("click", startPublish);
  /* Leaving with a change not saved yet: it stays in the browser's storage, and the next opening brings it back. */
  window.addEventListener("pagehide", function () { if (s.dirty || s.saving) keepLocally(); });
  api("GET", "/glossary").then(function (res) { if (res.ok) showTerms(res.data.terms); });
  load(root.dataset.spoken && names[root.dataset.spoken] ? root.dataset.spoken : Object.keys(names)[0]);
})();
