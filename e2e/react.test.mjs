// The React example (examples/react/) bundled with esbuild from npm against the
// npm package ./scripts/package packed, served with a scripted backend and driven in Chromium:
// React 19 sets the element's attributes and receives sps-connect:success.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchChromium } from "./chromium.mjs";
import { CONNECTED_ANSWER, root, SANDBOX_CLIENT_ID as CLIENT_ID, staticFile } from "./services.mjs";


let site;
let server;
let origin;
let browser;
const received = [];

before(async () => {
  site = mkdtempSync(join(tmpdir(), "sps-connect-react-"));
  execFileSync(join(root, "node_modules/.bin/esbuild"), [
    join(root, "examples/react/main.jsx"),
    "--bundle",
    "--format=esm",
    "--jsx=automatic",
    "--target=es2022",
    "--log-level=error",
    `--alias:sps-commerce-connect=${join(root, "target/npm/package/sps-connect.js")}`,
    `--outfile=${join(site, "app.js")}`,
  ]);
  copyFileSync(join(root, "examples/react/index.html"), join(site, "index.html"));
  copyFileSync(join(root, "target/npm/package/sps-connect_bg.wasm"), join(site, "sps-connect_bg.wasm"));
  server = createServer((request, response) => {
    const path = new URL(request.url, "http://localhost").pathname;
    const send = (status, type, body) => {
      response.writeHead(status, { "Content-Type": type });
      response.end(body);
    };
    if (path === "/my-server/sps-session") return send(200, "application/json", JSON.stringify({ session_token: "session-from-react" }));
    if (path === "/api/sps/connect") {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        received.push({ session: request.headers["x-connect-session"], body: JSON.parse(body) });
        send(201, "application/json", JSON.stringify(CONNECTED_ANSWER));
      });
      return undefined;
    }
    const file = staticFile(site, path === "/" ? "index.html" : path);
    return file ? send(200, file.type, file.body) : send(404, "text/plain", "not found");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
  if (site) rmSync(site, { recursive: true, force: true });
});

test("the React example links an account and hears sps-connect:success", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(origin);
  await page.getByRole("heading", { name: "Integrations" }).waitFor();
  await page.getByRole("button", { name: "Connect SPS Commerce" }).click();
  const dialog = page.getByRole("dialog", { name: "Connect SPS Commerce" });
  await dialog.waitFor();
  assert.ok(await dialog.getByText("Packing Slip API").count() > 0, "React set the services attribute");
  await dialog.getByLabel("Client ID").fill(CLIENT_ID);
  await dialog.getByLabel("Client Secret", { exact: true }).fill("sandbox-demo-secret-0123456789");
  await dialog.getByRole("button", { name: "Connect" }).click();
  await dialog.getByRole("heading", { name: "SPS Commerce account connected" }).waitFor();
  const linked = page.getByRole("list", { name: "Linked accounts" });
  await linked.getByRole("listitem").filter({ hasText: "sandbox account …nt01" }).waitFor();
  assert.equal(received.length, 1);
  assert.equal(received[0].session, "session-from-react", "React set the session-token attribute");
  assert.equal(received[0].body.client_id, CLIENT_ID);
  assert.deepEqual(errors, []);
  await page.close();
});
