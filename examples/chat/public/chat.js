// Chat page logic. The server broadcasts:
//   "user connected"    { id }        when someone joins,
//   "chat message"      { id, text }  for every message someone else sends,
//   "user disconnected" { id }        when someone leaves.
// Our own messages are not echoed back: they are shown locally as "me: text".
"use strict";

(function () {
  const socket = io();
  const messages = document.getElementById("messages");
  const form = document.getElementById("form");
  const input = document.getElementById("input");
  const status = document.getElementById("status");
  const me = document.getElementById("me");

  /**
   * How far from the end of the list still counts as "at the end", in pixels: a little
   * slack for fractional scroll positions and zoom, well under one line.
   */
  const END_SLACK_PX = 8;

  /** True when the list shows its end: the reader is following the conversation. */
  const atEnd = () => messages.scrollHeight - messages.scrollTop - messages.clientHeight <= END_SLACK_PX;

  /** The first characters of a socket id: enough to tell people apart. */
  const shortId = (id) => String(id).slice(0, 6);

  /** Appends one line; text is always set with textContent (never parsed as HTML). */
  function addLine(kind, id, who, text) {
    const item = document.createElement("li");
    item.className = kind;
    if (id) item.dataset.id = id;
    if (who !== null) {
      const name = document.createElement("span");
      name.className = "who";
      name.textContent = who;
      item.append(name, `: ${text}`);
    } else {
      item.textContent = text;
    }
    // Follow new lines while the reader is at the end (and always after our own message);
    // leave a reader who scrolled up to older lines where they are. The list itself is
    // scrolled, all the way down, so its bottom padding shows too and the next check
    // still finds it at the end.
    const follow = kind === "self" || atEnd();
    messages.appendChild(item);
    if (follow) messages.scrollTop = messages.scrollHeight;
  }

  function setStatus(connected) {
    status.textContent = connected ? "connected" : "disconnected";
    status.className = connected ? "connected" : "disconnected";
    me.textContent = connected ? `you are ${shortId(socket.id)}` : "";
    me.dataset.id = connected ? socket.id : "";
  }

  socket.on("connect", () => setStatus(true));
  socket.on("disconnect", () => setStatus(false));

  socket.on("chat message", (msg) => addLine("other", msg.id, shortId(msg.id), msg.text));
  socket.on("user connected", (user) => addLine("system", user.id, null, `${shortId(user.id)} joined`));
  socket.on("user disconnected", (user) => addLine("system", user.id, null, `${shortId(user.id)} left`));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    socket.emit("chat message", text); // buffered by the client while disconnected
    addLine("self", socket.id, "me", text);
    input.value = "";
    input.focus();
  });
})();
