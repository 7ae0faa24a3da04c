// One websocket per tab at /ws/. It resumes from the newest event the page was
// rendered with (body[data-last-event]) so nothing published in between is lost,
// reconnects with capped exponential backoff and jitter, and shows its state in
// the header badge. Events are dispatched as "buzz:event" on document and
// applied here to what the page shows: a "new posts" bar on feeds, live
// reaction counts, new-comment and edit/delete updates on a post's page.
(function () {
  "use strict";
  var body = document.body;
  var badge = document.getElementById("live-state");
  var stateLabels = document.getElementById("live-state-labels");
  var texts = document.getElementById("live-texts");
  var bar = document.getElementById("live-bar");
  var barButton = document.getElementById("live-bar-button");
  var lastId = parseInt(body.dataset.lastEvent || "0", 10) || 0;
  var seen = new Set();
  var attempt = 0;
  var pending = { posts: 0, comments: 0 };
  var feed = document.querySelector("[data-live-feed]");
  var watched = document.querySelector("[data-watch-post]");
  var watchedPost = watched ? parseInt(watched.dataset.watchPost, 10) : null;

  function text(key, n) {
    var node = texts && texts.content.querySelector('[data-text="' + key + '"]');
    return node ? node.textContent.replace("%(n)s", String(n)) : "";
  }

  function setState(state) {
    if (!badge) return;
    badge.dataset.state = state;
    var label = stateLabels && stateLabels.content.querySelector('[data-state="' + state + '"]');
    if (label) badge.textContent = label.textContent;
  }

  function showBar(label) {
    if (!bar) return;
    barButton.textContent = label;
    bar.hidden = false;
  }

  if (barButton) barButton.addEventListener("click", function () { window.location.reload(); });

  function inScope(event) {
    if (!feed) return false;
    if (feed.dataset.liveFeed === "group") return String(event.group) === feed.dataset.group;
    return true;
  }

  function updateReactions(event) {
    var key = event.comment ? "comment-" + event.comment : "post-" + event.post;
    document.querySelectorAll('[data-reactions-for="' + key + '"] button[value]').forEach(function (button) {
      var count = (event.counts || {})[button.value] || 0;
      button.querySelector(".reaction__count").textContent = count ? " " + count : "";
      button.setAttribute("aria-label", button.dataset.label + ": " + count);
    });
  }

  function apply(event) {
    switch (event.type) {
      case "post.created":
        if (inScope(event)) {
          pending.posts += 1;
          showBar(pending.posts === 1 ? text("new-posts-one") : text("new-posts-many", pending.posts));
        }
        break;
      case "comment.created":
        if (event.post === watchedPost) {
          pending.comments += 1;
          showBar(pending.comments === 1 ? text("new-comments-one") : text("new-comments-many", pending.comments));
        }
        break;
      case "reaction.changed":
        updateReactions(event);
        break;
      case "post.updated":
        document.querySelectorAll("#post-" + event.post + " .card__body").forEach(function (node) {
          node.innerHTML = event.body_html; // sanitised by the server (nh3) before it was stored
        });
        break;
      case "post.deleted":
        document.querySelectorAll("#post-" + event.post).forEach(function (node) {
          node.textContent = text("deleted");
        });
        break;
      case "notification.created":
      case "notification.read":
        var counter = document.getElementById("unread-count");
        if (counter) {
          counter.textContent = String(event.unread);
          counter.hidden = !event.unread;
        }
        break;
      case "resync":
        showBar(text("resync"));
        break;
    }
  }

  // Reads: a post at least half visible for a second counts as read; the ids go
  // to the server in batches over the socket, not one request per post.
  var readQueue = new Set();
  var reported = new Set();
  var openSocket = null;
  if ("IntersectionObserver" in window) {
    var timers = new Map();
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        var id = parseInt(entry.target.dataset.postId, 10);
        if (entry.isIntersecting) {
          timers.set(id, window.setTimeout(function () {
            if (!reported.has(id)) readQueue.add(id);
          }, 1000));
        } else {
          window.clearTimeout(timers.get(id));
        }
      });
    }, { threshold: 0.5 });
    var observeAll = function () {
      document.querySelectorAll("article[data-post-id]:not([data-observed])").forEach(function (node) {
        node.dataset.observed = "1";
        observer.observe(node);
      });
    };
    observeAll();
    document.body.addEventListener("htmx:afterSwap", observeAll); // posts added by infinite scroll
  }
  function flushReads() {
    if (!readQueue.size || !openSocket || openSocket.readyState !== 1) return;
    var ids = Array.from(readQueue).slice(0, 100);
    ids.forEach(function (id) { readQueue.delete(id); reported.add(id); });
    openSocket.send(JSON.stringify({ type: "read", posts: ids }));
  }
  window.setInterval(flushReads, 10000);
  // Presence: a ping every 25 s keeps this member online (the server forgets after 60 s).
  window.setInterval(function () {
    if (openSocket && openSocket.readyState === 1) openSocket.send(JSON.stringify({ type: "ping" }));
  }, 25000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flushReads();
  });

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    setState("connecting");
    var socket = new WebSocket(scheme + window.location.host + "/ws/");
    openSocket = socket;
    socket.addEventListener("open", function () {
      attempt = 0;
      setState("online");
      if (watchedPost) socket.send(JSON.stringify({ type: "watch", post: watchedPost }));
      socket.send(JSON.stringify({ type: "resume", after: lastId }));
    });
    socket.addEventListener("message", function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (typeof event.id === "number") {
        if (seen.has(event.id)) return;
        seen.add(event.id);
        lastId = Math.max(lastId, event.id);
      }
      apply(event);
      document.dispatchEvent(new CustomEvent("buzz:event", { detail: event }));
    });
    socket.addEventListener("close", function (closed) {
      setState("offline");
      if (closed.code === 4401) return; // logged out: no point retrying
      var delay = Math.min(30000, 500 * Math.pow(2, attempt++)) * (0.5 + Math.random() / 2);
      window.setTimeout(connect, delay);
    });
  }

  if ("WebSocket" in window && body.dataset.lastEvent !== undefined) connect();
})();
