// Frame mode, end to end: a portal page on its own origin whose policy allows
// no WebAssembly and nothing inline (`default-src 'self'; script-src 'self';
// style-src 'self'; frame-src <host>`) loads the host's plain loader (served
// by the portal from its own origin) and links an account through the frame,
// against the real host and the local SPS stand-in. A page on a third origin,
// opened by the portal, forges messages to both sides, and nothing changes.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { launchChromium } from "./chromium.mjs";
import { CONTENT_TYPES, freePort, SANDBOX_CLIENT_ID, startServices } from "./services.mjs";

const SECRET = "sandbox-demo-secret-0123456789";
const USER = "frame-portal-user";

let services;
let browser;
let portalServer;
let evilServer;
let portal;
let host;
let evil;

const page = (frameUrl) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Framed portal</title><link rel="stylesheet" href="/portal.css"></head>
<body>
<main>
<h1>Framed portal</h1>
<button id="open" type="button">Link SPS Commerce</button>
<sps-connect id="sps" frame-url="${frameUrl}" services="transaction shipping_label packing_slip"></sps-connect>
<ul id="events" aria-label="Events heard"></ul>
<p><a href="${evil}/tools.html" target="_blank" rel="opener">Partner tools</a></p>
</main>
<script type="module" src="/portal.js"></script>
</body>
</html>`;

const SCRIPT = `import "/embed.js";
const widget = document.getElementById("sps");
const events = document.getElementById("events");
const log = (text) => events.append(Object.assign(document.createElement("li"), { textContent: text }));
for (const name of ["success", "error", "close"]) {
  widget.addEventListener("sps-connect:" + name, (event) => log(name + " " + JSON.stringify(event.detail)));
}
window.addEventListener("message", (event) => {
  if (event.origin !== new URL(widget.getAttribute("frame-url")).origin) log("message from " + event.origin);
});
const session = await (await fetch("/session", { method: "POST" })).json();
widget.setAttribute("session-token", session.session_token);
document.getElementById("open").addEventListener("click", () => widget.open());
log("ready");`;

const INLINE_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Framed portal, inline</title></head>
<body>
<main>
<h1>Framed portal, inline</h1>
<section id="inline" aria-label="Link your account"></section>
<section id="wrong" aria-label="Misconfigured"></section>
<ul id="events" aria-label="Events heard"></ul>
</main>
<script type="module" src="/inline.js"></script>
</body>
</html>`;

const inlineScript = (frameUrl) => `import { mount } from "/embed.js";
const events = document.getElementById("events");
const log = (text) => events.append(Object.assign(document.createElement("li"), { textContent: text }));
const session = await (await fetch("/session", { method: "POST" })).json();
mount(document.getElementById("inline"), {
  frameUrl: "${frameUrl}", mode: "inline", sessionToken: session.session_token, environment: "production",
  services: ["transaction", "shipping_label", "packing_slip"],
  onSuccess: ({ account }) => log("linked " + account.environment + " " + account.clientIdHint),
});
mount(document.getElementById("wrong"), {
  frameUrl: "${frameUrl}", environment: "prod", onError: ({ code, message }) => log(code + ": " + message),
});
log("ready");`;

function serve(handler) {
  return createServer(handler);
}

before(async () => {
  const portalPort = await freePort();
  const evilPort = await freePort();
  portal = `http://localhost:${portalPort}`;
  evil = `http://127.0.0.1:${evilPort}`;
  services = await startServices({ SPS_CONNECT_FRAME_ANCESTORS: portal });
  host = new URL(services.portal).origin;
  const policy = `default-src 'self'; script-src 'self'; style-src 'self'; frame-src ${host}`;
  portalServer = serve(async (request, response) => {
    const path = new URL(request.url, portal).pathname;
    const send = (status, type, body) => {
      response.writeHead(status, { "Content-Type": type, "Content-Security-Policy": policy });
      response.end(body);
    };
    if (path === "/") return send(200, CONTENT_TYPES.html, page(`${host}/embed/connect`));
    if (path === "/portal.js") return send(200, CONTENT_TYPES.js, SCRIPT);
    if (path === "/inline") return send(200, CONTENT_TYPES.html, INLINE_PAGE);
    if (path === "/inline.js") return send(200, CONTENT_TYPES.js, inlineScript(`${host}/embed/connect`));
    if (path === "/portal.css") return send(200, CONTENT_TYPES.css, "body { font-family: serif; }");
    if (path === "/embed.js") {
      // The portal serves the host's loader from its own origin: its policy allows scripts from 'self' only.
      return send(200, CONTENT_TYPES.js, await (await fetch(`${host}/embed.js`)).text());
    }
    if (path === "/session" && request.method === "POST") {
      const minted = await services.asPortalServer("/api/sps/sessions", "POST", { user_id: USER });
      return send(minted.status, "application/json", await minted.text());
    }
    send(404, "text/plain", "not found");
  });
  evilServer = serve((request, response) => {
    response.writeHead(200, { "Content-Type": CONTENT_TYPES.html });
    response.end("<!doctype html><title>Partner tools</title><p>Partner tools</p>");
  });
  await new Promise((resolve) => portalServer.listen(portalPort, "127.0.0.1", resolve));
  await new Promise((resolve) => evilServer.listen(evilPort, "127.0.0.1", resolve));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  portalServer?.close();
  evilServer?.close();
  services?.stop();
});

test("a page that allows no WebAssembly links an account through the frame, and forged messages change nothing", async () => {
  const context = await browser.newContext();
  const portalPage = await context.newPage();
  const consoleLines = [];
  portalPage.on("console", (message) => consoleLines.push(message.text()));
  await portalPage.goto(`${portal}/`);
  const events = portalPage.getByRole("list", { name: "Events heard" });
  await events.getByText("ready").waitFor();

  const frameElement = portalPage.locator("iframe");
  assert.equal(await frameElement.getAttribute("title"), "Connect SPS Commerce");
  assert.equal(
    await frameElement.getAttribute("sandbox"),
    "allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox",
  );
  assert.ok(await frameElement.isHidden(), "a modal frame is hidden until it opens");
  const channel = new URLSearchParams(new URL(await frameElement.getAttribute("src")).hash.slice(1)).get("channel");
  assert.match(channel, /^[0-9a-f]{32}$/);

  // A page on another origin, opened by the portal, forges messages to the portal and to the frame.
  const [tools] = await Promise.all([
    context.waitForEvent("page"),
    portalPage.getByRole("link", { name: "Partner tools" }).click(),
  ]);
  await tools.waitForLoadState();
  const forge = (messages) => tools.evaluate(({ messages, channel }) => {
    for (const [target, message] of messages) {
      const window_ = target === "portal" ? window.opener : window.opener.frames[0];
      window_.postMessage({ protocol: "sps-connect-frame", channel, ...message }, "*");
    }
  }, { messages, channel });
  await forge([
    ["portal", { type: "ready" }],
    ["portal", { type: "event", name: "event", detail: { type: "opened" } }],
    ["portal", { type: "event", name: "success", detail: { account: { clientIdHint: "…EVIL" } } }],
    ["frame", { type: "open" }],
    ["frame", { type: "session", token: "forged-session" }],
  ]);
  await events.getByText(`message from ${evil}`).first().waitFor();
  await portalPage.waitForTimeout(500);
  assert.ok(await frameElement.isHidden(), "forged messages did not open the dialog");
  assert.equal(await events.getByText("EVIL").count(), 0, "a forged success was not raised");

  await portalPage.getByRole("button", { name: "Link SPS Commerce" }).click();
  const frame = portalPage.frameLocator("iframe");
  const dialog = frame.getByRole("dialog", { name: "Connect SPS Commerce" });
  await dialog.waitFor();
  await forge([["frame", { type: "close" }], ["portal", { type: "event", name: "close", detail: {} }]]);
  await portalPage.waitForTimeout(500);
  assert.ok(await dialog.isVisible(), "a forged close did not close the dialog");
  assert.ok(await frameElement.isVisible());

  await dialog.getByLabel("Client ID").fill(SANDBOX_CLIENT_ID);
  await dialog.getByLabel("Client Secret").fill(SECRET);
  await dialog.getByRole("button", { name: "Connect" }).click();
  await dialog.getByRole("heading", { name: "SPS Commerce account connected" }).waitFor();
  await events.getByText(/^success .*"clientIdHint":"…nt01"/).waitFor();
  await dialog.getByRole("button", { name: "Done" }).click();
  await events.getByText("close {}").waitFor();
  await frameElement.waitFor({ state: "hidden" });
  await portalPage.locator("#open:focus").waitFor();

  const listed = await services.asPortalServer(`/api/sps/accounts?user_id=${USER}`, "GET");
  const { accounts } = await listed.json();
  assert.deepEqual(accounts.map((account) => account.client_id_hint), ["…nt01"], "the host linked the account");

  await portalPage.getByRole("button", { name: "Link SPS Commerce" }).click();
  await dialog.waitFor();
  await portalPage.keyboard.press("Escape");
  await frameElement.waitFor({ state: "hidden" });
  assert.equal(await portalPage.locator("iframe").count(), 1, "opening again reuses the one frame");

  assert.ok(!(await portalPage.content()).includes(SECRET), "the secret never reached the portal's page");
  assert.deepEqual(consoleLines.filter((line) => /Content Security Policy|Refused/.test(line)), [],
    "the portal's policy blocked nothing");
  await context.close();
});

test("mount() in frame mode: an inline frame that follows its content, and option errors as events", async () => {
  const portalPage = await browser.newPage();
  const consoleLines = [];
  portalPage.on("console", (message) => consoleLines.push(message.text()));
  await portalPage.goto(`${portal}/inline`);
  const events = portalPage.getByRole("list", { name: "Events heard" });
  await events.getByText(/^invalid_options: invalid option `environment`/).waitFor();

  const frameElement = portalPage.locator("#inline iframe");
  const panel = portalPage.frameLocator("#inline iframe").getByRole("region", { name: "Connect SPS Commerce" });
  await panel.getByRole("heading", { name: "Connect SPS Commerce" }).waitFor();
  let height = 0;
  for (let attempt = 0; attempt < 50 && height < 400; attempt += 1) {
    height = (await frameElement.boundingBox()).height;
    await portalPage.waitForTimeout(100);
  }
  assert.ok(height >= 400, `the inline frame grew to its content: ${height}px`);
  assert.ok(await panel.getByLabel("Production").isChecked(), "the options reached the frame");
  await panel.getByLabel("Client ID").fill("spsDemoProductionClient01");
  await panel.getByLabel("Client Secret").fill("production-demo-secret-0123456789");
  await panel.getByRole("button", { name: "Connect", exact: true }).click();
  await events.getByText("linked production …nt01").waitFor();
  assert.deepEqual(consoleLines.filter((line) => /Content Security Policy|Refused/.test(line)), []);
  await portalPage.close();
});

test("the frame page refuses to be framed by another origin and is off without the variable", async () => {
  const response = await fetch(`${host}/embed/connect`);
  assert.equal(response.status, 200);
  const policy = response.headers.get("content-security-policy");
  assert.match(policy, new RegExp(`frame-ancestors ${portal}$`));
  assert.doesNotMatch(policy.split(";").find((d) => d.includes("script-src")), /'unsafe-(inline|eval)'/);
  const loader = await fetch(`${host}/embed.js`);
  assert.equal(loader.headers.get("access-control-allow-origin"), "*");
  assert.ok((await loader.text()).length < 12_000, "the loader is a few KB");
  const off = await startServices();
  try {
    const missing = await fetch(new URL("/embed/connect", off.portal));
    assert.equal(missing.status, 404);
    assert.match((await missing.json()).message, /SPS_CONNECT_FRAME_ANCESTORS/);
  } finally {
    off.stop();
  }
});
