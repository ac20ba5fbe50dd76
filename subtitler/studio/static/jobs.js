// The jobs page: videos dropped or chosen are sent one request each (the raw file as the body, so any size
// the disk allows, with a progress bar), with the choices of the form; the list of videos follows the
// server's events: each job's state, stage, progress, time left, why it failed, its files.
"use strict";

(function () {
  var studio = window.studio, el = studio.el;
  var page = document.getElementById("jobs-page");
  if (!page) return;
  var maxBytes = Number(page.dataset.maxBytes);
  var SIDE_BY_SIDE = 2;  // uploads sent at the same time; the others wait their turn
  var glossaryId = "";
  var waiting = [], sending = 0;

  // -- the choices ------------------------------------------------------------------------------------
  var preset = document.getElementById("preset");
  var about = document.getElementById("preset-about");
  var burn = document.getElementById("burn");
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[name="to"]'));
  var networks = Array.prototype.slice.call(document.querySelectorAll('input[name="also"]'));

  // The networks a copy can be made for: every preset but the one the video is made for.
  function showAbout() {
    var option = preset.options[preset.selectedIndex];
    about.textContent = option ? option.dataset.about || "" : "";
    networks.forEach(function (box) {
      var own = box.value === preset.value;
      box.parentNode.hidden = own;
      if (own) box.checked = false;
    });
  }

  function chosenNetworks() {
    return networks.filter(function (box) { return box.checked && !box.parentNode.hidden; }).map(function (box) { return box.value; });
  }

  function chosenLanguages() {
    return boxes.filter(function (box) { return box.checked; }).map(function (box) { return box.value; });
  }

  // The burn menu offers the languages ticked, besides "as the preset says", "nothing" and "spoken".
  function updateBurn() {
    var kept = burn.value;
    Array.prototype.slice.call(burn.querySelectorAll("option[data-language]")).forEach(function (o) { o.remove(); });
    boxes.forEach(function (box) {
      if (!box.checked) return;
      var option = el("option", "", box.dataset.name);
      option.value = box.value;
      option.dataset.language = "yes";
      burn.appendChild(option);
    });
    burn.value = Array.prototype.some.call(burn.options, function (o) { return o.value === kept; }) ? kept : "";
  }

  preset.addEventListener("change", showAbout);
  boxes.forEach(function (box) { box.addEventListener("change", updateBurn); });
  showAbout();

  var glossary = document.getElementById("glossary");
  var glossaryState = document.getElementById("glossary-state");
  glossary.addEventListener("change", function () {
    glossaryId = "";
    var file = glossary.files[0];
    if (!file) { glossaryState.textContent = ""; return; }
    glossaryState.textContent = "checking " + file.name + "…";
    fetch("/api/glossaries/" + encodeURIComponent(file.name), {
      method: "PUT", body: file, credentials: "same-origin", headers: {"X-CSRF-Token": studio.csrf()},
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || "refused");
        glossaryId = data.id;
        glossaryState.dataset.state = "ok";
        glossaryState.textContent = file.name + ": " + data.terms + " term" + (data.terms === 1 ? "" : "s") +
          ", used for the videos sent from now on";
      });
    }).catch(function (error) {
      glossaryState.dataset.state = "error";
      glossaryState.textContent = file.name + " cannot be used: " + error.message;
      glossary.value = "";
    });
  });

  // -- sending files ----------------------------------------------------------------------------------
  var uploads = document.getElementById("uploads");

  function uploadRow(file) {
    var row = el("li", "upload");
    row.dataset.state = "waiting";
    var name = el("span", "upload-name", file.name);
    var bar = el("progress");
    bar.max = 100;
    bar.value = 0;
    var status = el("span", "upload-status", "waiting to be sent (" + studio.bytes(file.size) + ")");
    row.append(name, bar, status);
    uploads.prepend(row);
    return {row: row, bar: bar, status: status};
  }

  function finish(view, state, text) {
    view.row.dataset.state = state;
    view.status.textContent = text;
    if (state === "done") view.bar.value = 100;
    sending -= 1;
    next();
  }

  function send(file, view, choices) {
    sending += 1;
    view.row.dataset.state = "sending";
    var xhr = new XMLHttpRequest();
    xhr.open("PUT", "/api/uploads/" + encodeURIComponent(file.name) + "?" + choices);
    xhr.setRequestHeader("X-CSRF-Token", studio.csrf());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (event) {
      if (!event.lengthComputable) return;
      view.bar.value = Math.floor((event.loaded / event.total) * 100);
      view.status.textContent = "sending: " + studio.bytes(event.loaded) + " of " + studio.bytes(event.total);
    };
    xhr.upload.onload = function () { view.status.textContent = "checking the file…"; };
    xhr.onload = function () {
      var data = {};
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = {}; }
      if (xhr.status === 201) finish(view, "done", "arrived: see it in the list below");
      else finish(view, "error", data.error || ("refused (" + xhr.status + ")"));
    };
    xhr.onerror = function () { finish(view, "error", "the connection to the studio was lost: send it again"); };
    xhr.send(file);
  }

  function next() {
    while (sending < SIDE_BY_SIDE && waiting.length) {
      var item = waiting.shift();
      send(item.file, item.view, item.choices);
    }
  }

  function add(files) {
    var choices = new URLSearchParams({
      preset: preset.value, to: chosenLanguages().join(","), burn: burn.value, glossary: glossaryId,
      also: chosenNetworks().join(","),
    }).toString();
    Array.prototype.forEach.call(files, function (file) {
      var view = uploadRow(file);
      if (file.size > maxBytes) {
        view.row.dataset.state = "error";
        view.status.textContent = "too big: " + studio.bytes(file.size) + ", the studio takes files up to " +
          page.dataset.maxText;
        return;
      }
      waiting.push({file: file, view: view, choices: choices});
    });
    next();
  }

  var input = document.getElementById("files");
  input.addEventListener("change", function () {
    add(input.files);
    input.value = "";
  });
  var drop = document.getElementById("drop");
  ["dragenter", "dragover"].forEach(function (type) {
    drop.addEventListener(type, function (event) {
      event.preventDefault();
      drop.dataset.over = "yes";
    });
  });
  ["dragleave", "drop"].forEach(function (type) {
    drop.addEventListener(type, function (event) {
      event.preventDefault();
      drop.dataset.over = "no";
    });
  });
  drop.addEventListener("drop", function (event) {
    if (event.dataTransfer && event.dataTransfer.files.length) add(event.dataTransfer.files);
  });
  // A file dropped outside the drop zone would make the browser leave the page for it.
  window.addEventListener("dragover", function (event) { event.preventDefault(); });
  window.addEventListener("drop", function (event) { event.preventDefault(); });

  // -- the videos -------------------------------------------------------------------------------------
  var list = document.getElementById("jobs");
  var empty = document.getElementById("no-jobs");
  var shown = {};  // job id -> its element's parts

  function stageLine(job) {
    if (job.state === "running") {
      var parts = [job.stage_text || "starting"];
      if (job.stage_share > 0) parts.push(Math.round(job.stage_share * 100) + "%");
      if (job.left_s !== null) parts.push(job.left_s < 60 ? "less than a minute left" : "about " + studio.duration(job.left_s) + " left");
      return parts.join(" · ");
    }
    if (job.state === "waiting") return "arrived in the watched folder: starts in a few seconds";
    if (job.state === "queued") return "waits for the video before it";
    if ((job.state === "done" || job.state === "partial") && job.seconds) return "made in " + studio.duration(job.seconds);
    return "";
  }

  function fileItem(file) {
    var link = el("a", "file", file.name);
    link.href = file.url;
    link.setAttribute("download", "");
    var item = el("li");
    item.append(link, el("span", "hint", " " + studio.bytes(file.size)));
    return item;
  }

  // A video with copies for other networks lists its files per network: its own, then each copy's.
  function fillFiles(parts, job) {
    parts.fileList.textContent = "";
    parts.fileList.append(el("li", "hint", "loading…"));
    studio.api("GET", job.links.files).then(function (data) {
      parts.fileList.textContent = "";
      var groups = data.groups && data.groups.length > 1 ? data.groups : [{files: data.files}];
      if (!groups.some(function (group) { return group.files.length; })) parts.fileList.append(el("li", "hint", "no files yet"));
      groups.forEach(function (group) {
        var into = parts.fileList;
        if (groups.length > 1) {
          var head = el("li", "file-group");
          head.dataset.network = group.network;
          head.append(el("strong", "", "For " + group.network), el("span", "hint", " " + group.preset));
          into = el("ul", "group-files");
          head.append(into);
          parts.fileList.append(head);
          if (!group.files.length) into.append(el("li", "hint", "no files yet"));
        }
        group.files.forEach(function (file) { into.append(fileItem(file)); });
      });
    }).catch(function (error) {
      parts.fileList.textContent = "";
      parts.fileList.append(el("li", "error", error.message));
    });
  }

  function jobElement(job) {
    var item = el("li", "job");
    item.dataset.job = job.id;
    var head = el("div", "job-head");
    var name = el("span", "job-name");
    var badge = el("span", "badge");
    var preset = el("span", "job-preset");
    head.append(name, badge, preset);
    var bar = el("progress", "job-progress");
    bar.max = 100;
    var stage = el("p", "job-stage");
    var error = el("p", "job-error");
    var actions = el("div", "job-actions");
    var retry = el("button", "retry", "Try again");
    retry.type = "button";
    retry.addEventListener("click", function () {
      retry.disabled = true;
      studio.api("POST", shown[job.id].job.links.retry).catch(function (e) { error.textContent = e.message; })
        .then(function () { retry.disabled = false; });
    });
    var editor = el("a", "editor button", "Correct the subtitles");
    var zip = el("a", "zip", "Download all (.zip)");
    zip.setAttribute("download", "");
    var files = el("details", "files");
    var summary = el("summary", "", "Files");
    var fileList = el("ul", "file-list");
    files.append(summary, fileList);
    actions.append(editor, retry, zip, files);
    var copies = el("ul", "copies");
    item.append(head, bar, stage, error, copies, actions);
    var parts = {item: item, name: name, badge: badge, preset: preset, bar: bar, stage: stage, error: error, retry: retry,
                 editor: editor, zip: zip, files: files, fileList: fileList, copies: copies, job: job};
    files.addEventListener("toggle", function () { if (files.open) fillFiles(parts, parts.job); });
    return parts;
  }

  function update(parts, job) {
    var before = parts.job;
    parts.job = job;
    parts.item.dataset.state = job.state;
    parts.name.textContent = job.name;
    parts.badge.textContent = job.state_text;
    parts.preset.textContent = job.preset;
    parts.bar.value = Math.round(job.share * 100);
    parts.bar.hidden = job.state !== "running";
    parts.stage.textContent = stageLine(job);
    parts.error.textContent = job.error;
    parts.error.hidden = !job.error;
    parts.retry.hidden = !job.can_retry;
    var finished = job.state === "done" || job.state === "partial";
    parts.editor.hidden = !finished;
    parts.editor.href = job.links.editor;
    parts.zip.hidden = !job.has_files;
    parts.zip.href = job.links.zip;
    parts.files.hidden = !job.has_files;
    var copiesNow = JSON.stringify(job.copies || []);
    if (parts.files.open && (before.state !== job.state || copiesNow !== JSON.stringify(before.copies || []))) fillFiles(parts, job);
    showCopies(parts, job.copies || []);
  }

  // The video's copies for other networks, one line each: its state, where it is, why it failed, Try again.
  function showCopies(parts, copies) {
    var drawn = JSON.stringify(copies);
    if (parts.copiesDrawn === drawn) return;
    parts.copiesDrawn = drawn;
    parts.copies.textContent = "";
    parts.copies.hidden = !copies.length;
    copies.forEach(function (copy) {
      var line = el("li", "copy");
      line.dataset.network = copy.network;
      line.dataset.state = copy.state;
      line.append(el("span", "copy-name", "For " + copy.network), el("span", "badge", copy.state_text));
      var where = copy.state === "running" || copy.state === "done" || copy.state === "partial" ? stageLine(copy) : "";
      if (where) line.append(el("span", "hint", " " + where));
      if (copy.error) line.append(el("span", "copy-error", " " + copy.error));
      if (copy.can_retry && copy.links) {
        var again = el("button", "retry", "Try again");
        again.type = "button";
        again.addEventListener("click", function () {
          again.disabled = true;
          studio.api("POST", copy.links.retry).catch(function (e) { line.append(el("span", "copy-error", " " + e.message)); });
        });
        line.append(again);
      }
      parts.copies.append(line);
    });
  }

  function showJobs(data) {
    var seen = {};
    data.jobs.forEach(function (job, index) {
      seen[job.id] = true;
      var parts = shown[job.id];
      if (!parts) {
        parts = shown[job.id] = jobElement(job);
        update(parts, job);
      } else {
        update(parts, job);
      }
      if (list.children[index] !== parts.item) list.insertBefore(parts.item, list.children[index] || null);
    });
    Object.keys(shown).forEach(function (id) {
      if (!seen[id]) {
        shown[id].item.remove();
        delete shown[id];
      }
    });
    empty.hidden = data.jobs.length > 0;
  }

  studio.listen({jobs: showJobs});
})();
