// The hub wall: rotates the featured items, and reloads its panels when the
// server nudges it over the websocket (or every two minutes, whatever happens).
(function () {
  const token = document.body.dataset.token;
  const panels = document.getElementById("wall-panels");
  const state = document.getElementById("wall-state");
  let slide = 0;
  let retry = 1000;

  function rotate() {
    const slides = panels.querySelectorAll(".wall__slide");
    if (slides.length < 2) return;
    slides[slide % slides.length].hidden = true;
    slide = (slide + 1) % slides.length;
    slides[slide].hidden = false;
  }

  function reload() {
    fetch(window.location.pathname + "?panels=1", { credentials: "omit", cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) { panels.innerHTML = html; slide = 0; })
      .catch(function () {});
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + window.location.host + "/ws/wall/?token=" + encodeURIComponent(token));
    socket.onopen = function () { retry = 1000; state.dataset.state = "live"; };
    socket.onmessage = function (message) {
      const data = JSON.parse(message.data);
      if (data.type === "refresh") reload();
    };
    socket.onclose = function (event) {
      state.dataset.state = "offline";
      if (event.code === 4403) return; // the token was revoked: stay as we are
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 60000);
    };
  }

  setInterval(rotate, 8000);
  setInterval(reload, 120000);
  connect();
})();
