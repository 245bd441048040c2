// End to end: a hosted connect link, as an end user on a phone meets it, and
// the signed webhook the portal's server receives.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { launchChromium } from "./chromium.mjs";
import { axeViolations, freePort, startServices } from "./services.mjs";

const WEBHOOK_SECRET = randomBytes(32);
const events = [];
// The receiver refuses this many account.created deliveries before it takes one.
let failuresToGo = 0;
let browser;
let services;
let receiver;

// What a portal's server does with each delivery: check the signature over
// the timestamp and the raw body, then trust the event.
function verified(header, body) {
  const parts = Object.fromEntries(header.split(",").map((part) => part.split("=")));
  const expected = createHmac("sha256", WEBHOOK_SECRET).update(`${parts.t}.${body}`).digest();
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

before(async () => {
  const port = await freePort();
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => { body += chunk; });
    request.on("end", () => {
      const ok = verified(request.headers["sps-connect-signature"] || "t=0,v1=", body);
      const event = JSON.parse(body);
      const down = failuresToGo > 0 && event.type === "account.created";
      failuresToGo -= down ? 1 : 0;
      events.push({ ok, down, event });
      response.writeHead(down ? 503 : ok ? 204 : 400).end();
    });
  });
  await new Promise((resolve) => receiver.listen(port, "127.0.0.1", resolve));
  services = await startServices({
    SPS_CONNECT_WEBHOOK_URL: `http://127.0.0.1:${port}/hooks`,
    SPS_CONNECT_WEBHOOK_SECRET: WEBHOOK_SECRET.toString("base64"),
    SPS_CONNECT_APP_NAME: "Acme Freight",
    SPS_CONNECT_BRAND_COLOR: "#0f766e",
    SPS_CONNECT_WEBHOOK_RETRY_BASE_MS: "200",
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  services?.stop();
  receiver?.close();
});

async function mint(body) {
  const response = await services.asPortalServer("/api/sps/links", "POST", body);
  return { status: response.status, body: await response.json() };
}

async function phone() {
  return browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
}

async function until(what, condition) {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test("an end user links an account through a hosted link on a phone, by keyboard", async () => {
  const portalOrigin = new URL(services.portal).origin;
  const { status, body: link } = await mint({ user_id: "hosted-user", for: "Hana Tanaka", return_url: `${portalOrigin}/` });
  assert.equal(status, 201);
  const page = await phone();
  const consoleLines = [];
  page.on("console", (message) => consoleLines.push(message.text()));
  const response = await page.goto(link.url);
  assert.equal(response.status(), 200);
  await page.getByRole("heading", { level: 1, name: "Connect SPS Commerce to Acme Freight" }).waitFor();
  await page
    .getByText("This link connects SPS Commerce to Hana Tanaka's account at Acme Freight. If that isn't you, close this page.")
    .waitFor();
  const region = page.getByRole("region", { name: "Connect SPS Commerce" });
  await region.getByLabel("Client ID").waitFor();
  assert.deepEqual(await axeViolations(page), [], "the form");

  failuresToGo = 2;
  await region.getByLabel("Client ID").focus();
  await page.keyboard.type("spsDemoSandboxClient01");
  await page.keyboard.press("Tab");
  await page.keyboard.type("sandbox-demo-secret-0123456789");
  await page.keyboard.press("Enter");
  await region.getByRole("heading", { name: "SPS Commerce account connected" }).waitFor();
  const back = page.getByRole("link", { name: "Return to Acme Freight" });
  await back.waitFor();
  assert.equal(await back.getAttribute("href"), `${portalOrigin}/`);
  assert.deepEqual(await axeViolations(page), [], "the confirmation");
  assert.deepEqual(consoleLines.filter((line) => line.includes("Content Security Policy")), []);

  const listed = await (await services.asPortalServer("/api/sps/accounts?user_id=hosted-user", "GET")).json();
  assert.equal(listed.accounts.length, 1);
  const taken = (type) => events.some((e) => e.event.type === type && !e.down);
  await until("the webhooks", () => taken("link.used") && taken("account.created"));
  const deliveries = events.filter((e) => e.event.type === "account.created" && e.event.data.user_id === "hosted-user");
  assert.deepEqual(deliveries.map((e) => e.down), [true, true, false], "refused twice, then taken");
  assert.ok(deliveries.every((e) => e.ok && e.event.id === deliveries[0].event.id), "the same event, signed each time");
  const created = deliveries[2];
  assert.equal(created.event.data.account.id, listed.accounts[0].id);
  assert.ok(!JSON.stringify(events).includes("sandbox-demo-secret"), "no secret in any event");

  const again = await page.goto(link.url);
  assert.equal(again.status(), 410);
  await page.getByRole("heading", { name: "This link has already been used" }).waitFor();
  assert.deepEqual(await axeViolations(page), [], "the used-link page");
  await page.close();
});

test("expired, revoked and forged links each explain themselves", async () => {
  const page = await phone();
  const { body: expiring } = await mint({ user_id: "hosted-user-2", for: "Jonas Weber", locale: "de" });
  const python = "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1]); c.execute('UPDATE links SET expires_at=? WHERE id=?',(int(time.time())-60,sys.argv[2])); c.commit()";
  execFileSync("python3", ["-c", python, services.database, expiring.id]);
  assert.equal((await page.goto(expiring.url)).status(), 410);
  await page.getByRole("heading", { name: "Dieser Link ist abgelaufen" }).waitFor();

  const { body: revoked } = await mint({ user_id: "hosted-user-2", for: "Jonas Weber" });
  assert.equal((await services.asPortalServer(`/api/sps/links/${revoked.id}`, "DELETE")).status, 204);
  assert.equal((await page.goto(revoked.url)).status(), 410);
  await page.getByRole("heading", { name: "This link is no longer valid" }).waitFor();

  const forged = revoked.url.replace(/[^/]+$/, "not-a-link-anyone-made");
  assert.equal((await page.goto(forged)).status(), 404);
  await page.getByRole("heading", { name: "This link is not valid" }).waitFor();
  assert.match(await page.textContent("body"), /ask Acme Freight for a new link/);
  assert.deepEqual(await axeViolations(page), [], "the error page");
  await page.close();
});

test("a return_url off the allow-list is refused when the link is minted", async () => {
  const { status, body } = await mint({ user_id: "hosted-user-3", for: "Ines", return_url: "https://phish.example/" });
  assert.equal(status, 400);
  assert.equal(body.error, "invalid_request");
  assert.match(body.message, /return_url/);
});
