// End to end: a connect session that runs out while the user is in the SPS
// Dev Center. Against a host whose sessions live 60 s, the form is filled,
// the session expires, and Connect links the account on every way in (the
// JS API, the element written in HTML, the hosted page) with one renewal and
// nothing typed twice; a page whose server cannot renew gets a message that
// keeps what was typed.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchChromium } from "./chromium.mjs";
import { startServices } from "./services.mjs";

const SESSION_SECONDS = 60;
let browser;
let services;

before(async () => {
  services = await startServices({ SPS_CONNECT_SESSION_TTL_SECS: String(SESSION_SECONDS) });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  services?.stop();
});

/// Counts the widget's `session_renewed` events on the page.
async function countRenewals(page) {
  await page.evaluate(() => {
    window.renewals = 0;
    document.addEventListener("sps-connect:event", (event) => {
      if (event.detail.type === "session_renewed") window.renewals += 1;
    });
  });
}

async function fill(scope, clientId, secret) {
  await scope.getByLabel("Client ID").fill(clientId);
  await scope.getByLabel("Client Secret").fill(secret);
}

async function openPortalDialog(page, url, opener) {
  await page.goto(url);
  await countRenewals(page);
  await page.getByRole("button", { name: opener }).click();
  const dialog = page.getByRole("dialog", { name: "Connect SPS Commerce" });
  await dialog.waitFor();
  return dialog;
}

test("a session that runs out during the Dev Center detour is renewed, on every way in, nothing retyped", async () => {
  const viaMount = await browser.newPage();
  const mountDialog = await openPortalDialog(viaMount, services.portal, "Connect SPS Commerce");
  await fill(mountDialog, "spsDemoSandboxClient01", "sandbox-demo-secret-0123456789");

  const viaElement = await browser.newPage();
  const elementDialog = await openPortalDialog(viaElement, new URL("white-label", services.portal).href, "Link SPS Commerce");
  await fill(elementDialog, "spsDemoProductionClient01", "production-demo-secret-0123456789");

  const minted = await services.asPortalServer("/api/sps/links", "POST", { user_id: "away-user", for: "Ada Away" });
  assert.equal(minted.status, 201);
  const viaLink = await browser.newPage();
  await viaLink.goto((await minted.json()).url);
  await countRenewals(viaLink);
  const hostedForm = viaLink.getByRole("region", { name: "Connect SPS Commerce" });
  await hostedForm.getByLabel("Client ID").waitFor();
  await fill(hostedForm, "spsDemoSandboxClient01", "sandbox-demo-secret-0123456789");

  const stranded = await browser.newPage();
  const strandedDialog = await openPortalDialog(stranded, services.portal, "Connect SPS Commerce");
  await fill(strandedDialog, "spsDemoProductionClient01", "production-demo-secret-0123456789");

  await new Promise((resolve) => setTimeout(resolve, (SESSION_SECONDS + 2) * 1000));

  for (const [page, scope] of [[viaMount, mountDialog], [viaElement, elementDialog], [viaLink, hostedForm]]) {
    await scope.getByRole("button", { name: "Connect" }).click();
    await scope.getByRole("heading", { name: "SPS Commerce account connected" }).waitFor();
    assert.equal(await page.evaluate(() => window.renewals), 1, `${page.url()}: one renewal`);
  }

  await stranded.route("**/demo/session", (route) => route.abort());
  await strandedDialog.getByRole("button", { name: "Connect" }).click();
  const alert = strandedDialog.getByRole("alert");
  await alert.filter({ hasText: "could not be renewed" }).waitFor();
  assert.match(await alert.textContent(), /What you typed is kept/);
  assert.doesNotMatch(await alert.textContent(), /[Rr]eload/);
  assert.equal(await stranded.evaluate(() => window.renewals), 0);
  await stranded.unroute("**/demo/session");
  await strandedDialog.getByRole("button", { name: "Try again" }).click();
  await strandedDialog.getByRole("heading", { name: "SPS Commerce account connected" }).waitFor();
  assert.equal(await stranded.evaluate(() => window.renewals), 1, "renewed once the portal's server answered");

  const listed = await (await services.asPortalServer("/api/sps/accounts?user_id=away-user", "GET")).json();
  assert.equal(listed.accounts.length, 1, "the hosted link linked its user's account");
  for (const page of [viaMount, viaElement, viaLink, stranded]) await page.close();
});
