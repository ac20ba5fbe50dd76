// What every studio page shares: requests with the page's CSRF token, the live event stream, a few formats.
// Text from the server is only ever put in the page as text (textContent), never as HTML.
"use strict";

window.studio = (function () {
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = meta ? meta.getAttribute("content") : "";

  // The access link's ?token= has set the cookie: keep it out of the address bar and the history.
  if (window.location.search.indexOf("token=") >= 0) {
    var params = new URLSearchParams(window.location.search);
    params.delete("token");
    var rest = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : "") + window.location.hash);
  }

  function csrf() {
    return csrfToken;
  }

  // fetch() with the CSRF token on anything that changes something; resolves to the JSON answer, rejects with
  // an Error whose message is the server's reason.
  function api(method, url, body) {
    var init = {method: method, credentials: "same-origin", headers: {"Accept": "application/json"}};
    if (method !== "GET" && method !== "HEAD") init.headers["X-CSRF-Token"] = csrfToken;
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.error || ("the studio answered " + response.status));
        return data;
      });
    });
  }

  // Server-sent events: handlers by event type ("jobs", "publish", ...). The header's dot says whether the
  // page is live; the browser reconnects by itself and the server sends the whole state again.
  function listen(handlers) {
    var live = document.getElementById("live");
    var source = new EventSource("/api/events");
    function show(state, text) {
      if (!live) return;
      live.dataset.state = state;
      live.textContent = text;
    }
    show("off", "connecting…");
    source.onopen = function () { show("on", "live"); };
    source.onerror = function () { show("off", "reconnecting…"); };
    Object.keys(handlers).forEach(function (type) {
      source.addEventListener(type, function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        handlers[type](data);
      });
    });
    return source;
  }

  function bytes(count) {
    if (count >= 1 << 30) return (count / (1 << 30)).toFixed(1) + " GB";
    if (count >= 1 << 20) return (count / (1 << 20)).toFixed(count >= 100 << 20 ? 0 : 1) + " MB";
    if (count >= 1 << 10) return Math.round(count / (1 << 10)) + " kB";
    return count + " bytes";
  }

  function duration(seconds) {
    if (seconds < 60) return Math.max(1, Math.round(seconds)) + " s";
    if (seconds < 3600) return Math.round(seconds / 60) + " min";
    return Math.floor(seconds / 3600) + " h " + Math.round((seconds % 3600) / 60) + " min";
  }

  // An element with a class and text (never HTML).
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  return {csrf: csrf, api: api, listen: listen, bytes: bytes, duration: duration, el: el};
})();
