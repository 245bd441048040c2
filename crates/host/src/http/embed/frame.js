// SPS Commerce Connect, frame mode: the frame's side, on the host's origin.
// It talks only to the page that framed it, when that page's origin is one
// the host allows (SPS_CONNECT_FRAME_ANCESTORS, also enforced by the
// browser through frame-ancestors), and only on the channel the page named.
import init, { mount } from "/sps-connect.js";

const PROTOCOL = "sps-connect-frame";
const EVENTS = ["success", "error", "close", "event", "session-expired"];

const allowed = JSON.parse(document.documentElement.dataset.ancestors || "[]");
const given = new URLSearchParams(location.hash.slice(1));
const channel = given.get("channel");
const parentOrigin = location.ancestorOrigins?.[0] ?? given.get("origin");
const container = document.getElementById("sps-connect-frame");
let handle = null;
let widget = null;

function send(message) {
  parent.postMessage({ protocol: PROTOCOL, channel, ...message }, parentOrigin);
}

function start(data) {
  if (handle || widget) return;
  if (data.attributes) {
    widget = document.createElement("sps-connect");
    for (const [name, value] of Object.entries(data.attributes)) widget.setAttribute(name, value);
    container.append(widget);
    return;
  }
  try {
    handle = mount(container, data.options ?? {});
  } catch (error) {
    send({ type: "event", name: "error", detail: { code: "invalid_options", message: error.message } });
  }
}

function receive(event) {
  const data = event.data;
  const ours = event.origin === parentOrigin && event.source === parent &&
    data?.protocol === PROTOCOL && data.channel === channel;
  if (!ours) return;
  if (data.type === "init") start(data);
  if (data.type === "open") handle ? handle.open() : widget?.open();
  if (data.type === "close") handle ? handle.close() : widget?.close();
  if (data.type === "session" && typeof data.token === "string") {
    try {
      if (handle) handle.setSessionToken(data.token);
      else widget?.setAttribute("session-token", data.token);
    } catch (error) {
      send({ type: "event", name: "error", detail: { code: "invalid_options", message: error.message } });
    }
  }
  if (data.type === "attributes" && widget) {
    for (const [name, value] of Object.entries(data.attributes ?? {})) {
      if (value === null) widget.removeAttribute(name);
      else widget.setAttribute(name, value);
    }
  }
}

if (channel && /^[0-9a-f]{32}$/.test(channel) && allowed.includes(parentOrigin) && parent !== window) {
  for (const name of EVENTS) {
    container.addEventListener(`sps-connect:${name}`, (event) => {
      send({ type: "event", name, detail: JSON.parse(JSON.stringify(event.detail ?? {})) });
    });
  }
  new ResizeObserver(() => send({ type: "resize", height: document.documentElement.scrollHeight }))
    .observe(document.body);
  window.addEventListener("message", receive);
  await init();
  send({ type: "ready" });
}
