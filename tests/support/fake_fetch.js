// A stand-in for window.fetch: records each request and answers as scripted.
let original = null;

function record(request, body) {
  globalThis.__spscRequests.push({
    url: request.url,
    method: request.method,
    headers: Object.fromEntries(request.headers.entries()),
    body,
  });
}

export function script_fetch(status, body, contentType, delayMs) {
  if (original === null) original = globalThis.fetch;
  globalThis.__spscRequests = [];
  globalThis.__spscAborted = 0;
  globalThis.fetch = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    record(request, await request.clone().text());
    return new Promise((resolve, reject) => {
      const answer = () => {
        if (status === 0) {
          reject(new TypeError("Failed to fetch"));
          return;
        }
        const headers = contentType ? { "Content-Type": contentType } : {};
        resolve(new Response(status === 204 ? null : body, { status, headers }));
      };
      const timer = setTimeout(answer, delayMs);
      request.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        globalThis.__spscAborted += 1;
        reject(new DOMException("The operation was aborted.", "AbortError"));
      });
    });
  };
}

export function restore_fetch() {
  if (original !== null) globalThis.fetch = original;
  original = null;
}

export function recorded_requests() {
  return globalThis.__spscRequests || [];
}

export function aborted_requests() {
  return globalThis.__spscAborted || 0;
}

export function press_key(target, key, shift) {
  // composed, as a key press of a real keyboard is: it leaves the shadow root.
  const event = new KeyboardEvent("keydown", { key, shiftKey: shift, bubbles: true, cancelable: true, composed: true });
  target.dispatchEvent(event);
  return event.defaultPrevented;
}

export function record_events(target, names) {
  const seen = [];
  for (const name of names) {
    target.addEventListener(name, (event) => seen.push({ type: event.type, detail: event.detail,
      bubbles: event.bubbles, composed: event.composed }));
  }
  return seen;
}

export function make_recorder() {
  const calls = [];
  const record = (detail) => calls.push(detail);
  return { record, calls };
}

export function spy_console_warn() {
  const warnings = [];
  const original = console.warn;
  console.warn = (...args) => { warnings.push(args.join(" ")); original.apply(console, args); };
  return { warnings, restore: () => { console.warn = original; } };
}

export function count_shadow_roots() {
  const counter = { count: 0 };
  const original = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    counter.count += 1;
    return original.call(this, init);
  };
  counter.restore = () => { Element.prototype.attachShadow = original; };
  return counter;
}

// Answers only when the test says so, and even after the page aborted: an
// answer can be on its way when the widget closes, and must then be ignored.
export function answer_by_hand() {
  if (original === null) original = globalThis.fetch;
  globalThis.__spscRequests = [];
  globalThis.__spscAborted = 0;
  globalThis.__spscPending = [];
  globalThis.fetch = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    record(request, await request.clone().text());
    return new Promise((resolve) => {
      request.signal.addEventListener("abort", () => { globalThis.__spscAborted += 1; });
      globalThis.__spscPending.push((status, body) =>
        resolve(new Response(status === 204 ? null : body, { status, headers: { "Content-Type": "application/json" } })));
    });
  };
}

export function deliver(index, status, body) {
  globalThis.__spscPending[index](status, body);
}

export function pending_count() {
  return (globalThis.__spscPending || []).length;
}

// A page's fetchSessionToken: each call resolves to the next token, or
// rejects once none is left; `calls` counts them.
export function make_token_source(tokens) {
  const source = { calls: 0 };
  source.fetch = async () => {
    source.calls += 1;
    if (tokens.length === 0) throw new Error("the portal could not mint a session");
    return tokens.shift();
  };
  return source;
}
