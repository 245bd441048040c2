// SPS Commerce Connect, frame mode: the page's side. No WebAssembly here: the
// dialog runs in an iframe from the host's origin (/embed/connect), and this
// loader gives the page the same surface as the bundle, `mount()` and
// `<sps-connect>`. The page hands the session and options to the frame by
// postMessage, to the frame's exact origin, once the frame says it is ready;
// the frame answers with the widget's events. Each side ignores any message
// from another window or origin, or without this mount's channel nonce.

const FRAME_PATH = "/embed/connect";
const PROTOCOL = "sps-connect-frame";
const EVENTS = ["success", "error", "close", "event", "session-expired"];
const CALLBACKS = { success: "onSuccess", error: "onError", close: "onClose", event: "onEvent" };
const SANDBOX = "allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox";
const MODAL_STYLE = "position:fixed;inset:0;width:100%;height:100%;border:0;margin:0;padding:0;" +
  "z-index:2147483000;background:transparent;color-scheme:normal";
const INLINE_STYLE = "display:block;width:100%;height:0;border:0;margin:0;padding:0;background:transparent;color-scheme:normal";

const loaderOrigin = typeof document === "undefined" ? "" : new URL(import.meta.url).origin;

function randomChannel() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function frameUrl(given) {
  const url = new URL(given || FRAME_PATH, loaderOrigin);
  if (url.protocol !== "https:" && !["localhost", "127.0.0.1", "[::1]"].includes(url.hostname)) {
    throw new Error("invalid SPS Connect option `frameUrl`: must be an https URL (http only on localhost)");
  }
  return url;
}

function emit(target, name, detail) {
  target.dispatchEvent(new CustomEvent(`sps-connect:${name}`, { detail, bubbles: true, composed: true }));
}

/** One frame and its channel; `setup` is `{options}` or `{attributes}` for the frame's widget. */
class Channel {
  #element; #frame; #origin; #channel = randomChannel(); #ready = false; #queue = []; #opener = null;
  #modal; #callbacks; #listener; #open = false;

  constructor(element, setup, { frameUrl: given, modal, callbacks = {} }) {
    const url = frameUrl(given);
    this.#element = element;
    this.#origin = url.origin;
    this.#modal = modal;
    this.#callbacks = callbacks;
    url.hash = new URLSearchParams({ channel: this.#channel, origin: location.origin }).toString();
    const frame = document.createElement("iframe");
    frame.title = "Connect SPS Commerce";
    frame.setAttribute("sandbox", SANDBOX);
    frame.style.cssText = modal ? MODAL_STYLE : INLINE_STYLE;
    frame.hidden = modal;
    frame.src = url.href;
    this.#frame = frame;
    this.#queue.push({ type: "init", ...setup });
    this.#listener = (event) => this.#receive(event);
    window.addEventListener("message", this.#listener);
    element.append(frame);
  }

  get isOpen() { return this.#open; }

  send(message) {
    if (!this.#ready) {
      this.#queue.push(message);
      return;
    }
    this.#frame.contentWindow?.postMessage({ protocol: PROTOCOL, channel: this.#channel, ...message }, this.#origin);
  }

  open() {
    this.#show();
    this.send({ type: "open" });
  }

  close() { this.send({ type: "close" }); }

  destroy() {
    window.removeEventListener("message", this.#listener);
    this.#frame.remove();
    this.#open = false;
  }

  #show() {
    if (!this.#modal || this.#open) return;
    this.#open = true;
    const active = document.activeElement;
    this.#opener = active && active !== document.body ? active : null;
    this.#frame.hidden = false;
    this.#frame.focus();
  }

  #hide() {
    if (!this.#modal || !this.#open) return;
    this.#open = false;
    this.#frame.hidden = true;
    if (this.#opener?.isConnected) this.#opener.focus();
    this.#opener = null;
  }

  #receive(event) {
    const data = event.data;
    const ours = event.origin === this.#origin && event.source === this.#frame.contentWindow &&
      data?.protocol === PROTOCOL && data.channel === this.#channel;
    if (!ours) return;
    if (data.type === "ready") {
      this.#ready = true;
      for (const message of this.#queue.splice(0)) this.send(message);
    } else if (data.type === "resize" && !this.#modal) {
      this.#frame.style.height = `${Math.max(0, Math.ceil(Number(data.height) || 0))}px`;
    } else if (data.type === "event" && EVENTS.includes(data.name)) {
      this.#notify(data.name, data.detail ?? {});
    }
  }

  async #notify(name, detail) {
    if (name === "event" && detail.type === "opened") this.#show();
    if (name === "close") this.#hide();
    if (name === "session-expired" && this.#callbacks.fetchSessionToken) {
      try {
        const token = await this.#callbacks.fetchSessionToken();
        this.send({ type: "session", token });
      } catch {
        console.error("SPS Connect: fetchSessionToken failed");
      }
      return;
    }
    emit(this.#element, name, detail);
    const callback = this.#callbacks[CALLBACKS[name]];
    if (callback) {
      try { callback(detail); } catch { console.error(`SPS Connect: the host's ${name} callback threw`); }
    }
  }
}

/**
 * Mounts the widget in `element`, in a frame from the host's origin: the
 * options of the bundle's `mount`, and `frameUrl` (the host's
 * `/embed/connect`; by default on the origin this loader came from).
 */
export function mount(element, options = {}) {
  if (!(element instanceof HTMLElement)) throw new Error("SPS Connect: mount needs an element");
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new Error("invalid SPS Connect options: expected an object");
  }
  const { frameUrl: given, onSuccess, onError, onClose, onEvent, fetchSessionToken, ...plain } = options;
  const callbacks = { onSuccess, onError, onClose, onEvent, fetchSessionToken };
  for (const [name, value] of Object.entries(callbacks)) {
    if (value !== undefined && typeof value !== "function") throw new Error(`invalid option \`${name}\`: must be a function`);
  }
  const channel = new Channel(element, { options: JSON.parse(JSON.stringify(plain)) },
    { frameUrl: given, modal: plain.mode !== "inline", callbacks });
  let destroyed = false;
  const live = () => {
    if (destroyed) throw new Error("this SPS Connect widget was destroyed; mount it again");
    return channel;
  };
  return {
    open: () => live().open(),
    close: () => live().close(),
    setSessionToken: (token) => live().send({ type: "session", token }),
    get isOpen() { return !destroyed && channel.isOpen; },
    destroy: () => { if (!destroyed) channel.destroy(); destroyed = true; },
  };
}

/** `<sps-connect>` backed by a frame: the bundle's attributes, and `frame-url`. */
export function defineElement() {
  if (typeof customElements === "undefined" || customElements.get("sps-connect")) return;
  customElements.define("sps-connect", class extends HTMLElement {
    #channel = null;
    connectedCallback() {
      if (this.#channel) return;
      const attributes = Object.fromEntries(Array.from(this.attributes, (a) => [a.name, a.value]));
      delete attributes["frame-url"];
      this.#channel = new Channel(this, { attributes },
        { frameUrl: this.getAttribute("frame-url"), modal: this.getAttribute("mode") !== "inline" });
      this.#observer.observe(this, { attributes: true });
    }
    disconnectedCallback() {
      this.#observer.disconnect();
      this.#channel?.destroy();
      this.#channel = null;
    }
    #observer = new MutationObserver((changes) => {
      const names = new Set(changes.map((change) => change.attributeName).filter((name) => name !== "frame-url"));
      const attributes = Object.fromEntries([...names].map((name) => [name, this.getAttribute(name)]));
      this.#channel?.send({ type: "attributes", attributes });
    });
    open() { this.#channel?.open(); }
    close() { this.#channel?.close(); }
  });
}

defineElement();
