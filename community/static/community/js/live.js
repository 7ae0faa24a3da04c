// One websocket per tab at /ws/, reconnecting with capped exponential backoff
// and jitter; the header badge shows the connection state. Pages listen for
// "buzz:event" on document to apply live events.
(function () {
  "use strict";
  var badge = document.getElementById("live-state");
  var labels = document.getElementById("live-state-labels");
  var attempt = 0;
  var socket = null;

  function setState(state) {
    if (!badge) return;
    badge.dataset.state = state;
    var label = labels && labels.content.querySelector('[data-state="' + state + '"]');
    if (label) badge.textContent = label.textContent;
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    setState("connecting");
    socket = new WebSocket(scheme + window.location.host + "/ws/");
    socket.addEventListener("open", function () { attempt = 0; setState("online"); });
    socket.addEventListener("message", function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      document.dispatchEvent(new CustomEvent("buzz:event", { detail: event }));
    });
    socket.addEventListener("close", function (closed) {
      setState("offline");
      if (closed.code === 4401) return; // logged out: no point retrying
      var delay = Math.min(30000, 500 * Math.pow(2, attempt++)) * (0.5 + Math.random() / 2);
      window.setTimeout(connect, delay);
    });
  }

  if ("WebSocket" in window) connect();
})();
