// The release widget on a portal page whose Content-Security-Policy allows no
// inline style and no inline script: the stylesheet is adopted by the shadow
// root as a constructable stylesheet, so the dialog is styled and Chromium
// reports no violation, inline and modal, through a whole connect.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { join } from "node:path";
import { launchChromium } from "./chromium.mjs";
import { CONNECTED_ANSWER, CONTENT_TYPES, root, SANDBOX_CLIENT_ID as CLIENT_ID, staticFile } from "./services.mjs";

const POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Strict portal</title>
<link rel="stylesheet" href="/portal.css"></head>
<body>
<main>
<h1>Strict portal</h1>
<button id="open" type="button">Link SPS Commerce</button>
<p id="status" role="status"></p>
<section id="inline" aria-label="Inline connect"></section>
<sps-connect id="modal" session-token="session-token" services="transaction"></sps-connect>
</main>
<script type="module" src="/portal.js"></script>
</body>
</html>`;

const SCRIPT = `import init, { mount } from "/sps-connect.js";
await init();
mount(document.getElementById("inline"), { mode: "inline", sessionToken: "session-token" });
const modal = document.getElementById("modal");
document.getElementById("open").addEventListener("click", () => modal.open());
modal.addEventListener("sps-connect:success", (event) => {
  document.getElementById("status").textContent = "Linked " + event.detail.account.clientIdHint;
});`;



let server;
let origin;
let browser;

before(async () => {
  server = createServer((request, response) => {
    const path = new URL(request.url, "http://localhost").pathname;
    const send = (status, type, body) => {
      response.writeHead(status, { "Content-Type": type, "Content-Security-Policy": POLICY });
      response.end(body);
    };
    if (path === "/") return send(200, "text/html; charset=utf-8", PAGE);
    if (path === "/portal.js") return send(200, CONTENT_TYPES.js, SCRIPT);
    if (path === "/portal.css") return send(200, CONTENT_TYPES.css, "body { font-family: serif; }");
    if (path === "/api/sps/connect" && request.method === "POST") {
      return send(201, "application/json", JSON.stringify(CONNECTED_ANSWER));
    }
    const file = staticFile(join(root, "dist"), path);
    return file ? send(200, file.type, file.body) : send(404, "text/plain", "not found");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
});

test("a page that allows no inline style or script embeds the widget, styled, without a violation", async () => {
  const page = await browser.newPage();
  const consoleLines = [];
  page.on("console", (message) => consoleLines.push(message.text()));
  page.on("pageerror", (error) => consoleLines.push(String(error)));
  await page.goto(origin);

  const inline = page.getByRole("region", { name: "Connect SPS Commerce" });
  await inline.getByRole("heading", { name: "Connect SPS Commerce" }).waitFor();
  // Measured from outside: the page's policy also forbids the evaluation a test would inject. The page keeps
  // no handle of its inline mount: the widget must outlive the garbage collector's freeing of it.
  const inlineButton = await inline.getByRole("button", { name: "Connect", exact: true }).boundingBox();
  assert.ok(inlineButton.height >= 36, `the stylesheet pads the inline panel's buttons: ${inlineButton.height}px`);
  await page.getByRole("button", { name: "Link SPS Commerce" }).click();
  const dialog = page.getByRole("dialog", { name: "Connect SPS Commerce" });
  await dialog.waitFor();
  const button = await dialog.getByRole("button", { name: "Connect" }).boundingBox();
  assert.ok(button.height >= 36, `the stylesheet pads the buttons: ${button.height}px`);
  assert.equal(await page.locator("sps-connect, section").locator("style").count(), 0,
    "no <style> element: the stylesheet is adopted");
  const box = await dialog.boundingBox();
  assert.ok(box.width <= 640, `the stylesheet sizes the modal: ${box.width}px`);
  await dialog.getByLabel("Client ID").fill(CLIENT_ID);
  await dialog.getByLabel("Client Secret", { exact: true }).fill("sandbox-demo-secret-0123456789");
  await dialog.getByRole("button", { name: "Connect" }).click();
  await dialog.getByRole("heading", { name: "SPS Commerce account connected" }).waitFor();
  await page.getByRole("status").filter({ hasText: "Linked …nt01" }).waitFor();

  const violations = consoleLines.filter((line) => /Content Security Policy|Refused to/.test(line));
  assert.deepEqual(violations, [], "the page's policy blocked nothing");
  await page.close();
});
