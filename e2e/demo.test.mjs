// End to end: the built widget in Chromium, on the demo portal served by the
// real host backend, against the local SPS-like token server. Everything runs
// on loopback ports chosen at start.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchChromium } from "./chromium.mjs";
import { axeViolations, startServices } from "./services.mjs";

const SECRET = "sandbox-demo-secret-0123456789";
let browser;
let services;
let portal;
let sps;

before(async () => {
  services = await startServices();
  ({ portal, sps } = services);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  services?.stop();
});

async function submit(dialog, environment, clientId, clientSecret) {
  await dialog.getByLabel(environment).check();
  await dialog.getByLabel("Client ID").fill(clientId);
  await dialog.getByLabel("Client Secret").fill(clientSecret);
  await dialog.getByRole("button", { name: "Connect" }).click();
}

/** The accessible name of the element with the keyboard focus, looking inside shadow roots. */
function focusedName(page) {
  return page.evaluate(() => {
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    return active?.getAttribute("aria-label") ?? active?.textContent;
  });
}

async function openDialog(page, consoleLines) {
  page.on("console", (message) => consoleLines.push(message.text()));
  await page.goto(portal);
  await page.getByRole("button", { name: "Connect SPS Commerce" }).click();
  const dialog = page.getByRole("dialog", { name: "Connect SPS Commerce" });
  await dialog.waitFor();
  return dialog;
}

test("a person links the demo Sandbox account and sees it on the Accounts list", async () => {
  const page = await browser.newPage();
  const consoleLines = [];
  const dialog = await openDialog(page, consoleLines);

  await dialog.getByRole("heading", { name: "Create a Machine-to-Machine application" }).waitFor();
  const devCenter = dialog.getByRole("link", { name: /SPS Dev Center/ });
  assert.equal(await devCenter.getAttribute("href"), "https://developercenter.spscommerce.com/");
  assert.deepEqual(
    await dialog.getByRole("list", { name: "Services to authorize" }).getByRole("listitem").allTextContents(),
    ["Transaction API", "Shipping Label API", "Packing Slip API"],
  );

  await dialog.getByLabel("Client ID").fill("spsDemoSandboxClient01");
  await dialog.getByLabel("Client Secret").fill(SECRET);
  await dialog.getByRole("button", { name: "Connect" }).click();
  await dialog.getByRole("heading", { name: "SPS Commerce account connected" }).waitFor();
  const summary = await dialog.textContent();
  assert.match(summary, /Sandbox/);
  assert.match(summary, /…nt01/);
  assert.ok(!summary.includes(SECRET));

  await dialog.getByRole("button", { name: "Done" }).click();
  await dialog.waitFor({ state: "detached" });
  const accounts = page.getByRole("table", { name: "Linked SPS Commerce accounts" });
  await accounts.getByRole("cell", { name: "…nt01", exact: true }).waitFor();
  assert.match(await accounts.textContent(), /Transaction API, Shipping Label API, Packing Slip API/);

  const storage = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }) + location.href);
  assert.ok(!storage.includes(SECRET), "the secret reached web storage or the URL");
  assert.ok(!consoleLines.some((line) => line.includes(SECRET)), "the secret reached the console");
  assert.deepEqual(consoleLines.filter((line) => line.includes("Content Security Policy")), [], "the page's policy blocked something");
  assert.deepEqual(consoleLines.filter((line) => line.includes("Failed to load resource")), [], "nothing the page asked for is missing");
  await page.close();
});

test("a wrong secret is explained and the form comes back without it", async () => {
  const page = await browser.newPage();
  const dialog = await openDialog(page, []);
  await dialog.getByLabel("Client ID").fill("spsDemoSandboxClient01");
  await dialog.getByLabel("Client Secret").fill("not-the-secret-0123456789");
  await dialog.getByRole("button", { name: "Connect" }).click();
  const alert = dialog.getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.textContent(), /did not accept these credentials/);
  await dialog.getByRole("button", { name: "Edit credentials" }).click();
  assert.equal(await dialog.getByLabel("Client ID").inputValue(), "spsDemoSandboxClient01");
  assert.equal(await dialog.getByLabel("Client Secret").inputValue(), "");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Connect SPS Commerce");
  await page.close();
});

test("an application without access to the audience is told so", async () => {
  const page = await browser.newPage();
  const dialog = await openDialog(page, []);
  await submit(dialog, "Production", "spsDemoNoAudienceClient01", "no-audience-demo-secret-0123456789");
  await dialog.getByRole("alert").waitFor();
  assert.match(await dialog.getByRole("alert").textContent(), /not authorized for the requested SPS services/);
  await page.close();
});

test("the white-label example embeds the widget with the custom element, branded and dark", async () => {
  const page = await browser.newPage();
  await page.goto(new URL("white-label", portal).href);
  await page.getByRole("button", { name: "Link SPS Commerce" }).click();
  const dialog = page.getByRole("dialog", { name: "Connect SPS Commerce" });
  await dialog.waitFor();
  const text = await dialog.textContent();
  assert.match(text, /for example Acme Freight/);
  assert.ok(!text.includes("Linking the account"), "the hub section shows in white-label mode");
  assert.ok(!text.includes("StackOne") && !text.includes("Powered by"), "vendor branding shows");
  const connect = dialog.getByRole("button", { name: "Connect" });
  assert.equal(await connect.evaluate((button) => getComputedStyle(button).backgroundColor), "rgb(245, 158, 11)");
  await dialog.getByLabel("Client ID").fill("spsDemoSandboxClient01");
  await dialog.getByLabel("Client Secret").fill(SECRET);
  await connect.click();
  await dialog.getByRole("heading", { name: "SPS Commerce account connected" }).waitFor();
  await dialog.getByRole("button", { name: "Done" }).click();
  await page.getByRole("status").filter({ hasText: "Linked the sandbox account …nt01." }).waitFor();
  await page.close();
});

const asPortalServer = (path, method) => services.asPortalServer(path, method);

test("the Accounts page verifies, shows documents, reconnects a rotated secret and disconnects", async () => {
  const page = await browser.newPage();
  const dialog = await openDialog(page, []);
  await submit(dialog, "Production", "spsDemoProductionClient01", "production-demo-secret-0123456789");
  await dialog.getByRole("heading", { name: "SPS Commerce account connected" }).waitFor();
  await dialog.getByRole("button", { name: "Done" }).click();

  const accounts = page.getByRole("table", { name: "Linked SPS Commerce accounts" });
  const row = accounts.getByRole("row").filter({ hasText: "Production" });
  await row.getByText("Active").waitFor();

  await page.getByRole("button", { name: "Verify Production account …nt01" }).click();
  await page.getByRole("status").filter({ hasText: "Production account …nt01 is verified and active" }).waitFor();

  await page.getByRole("button", { name: "Documents Production account …nt01" }).click();
  await page.getByRole("status").filter({ hasText: "Loaded 5 documents of the Production account …nt01" }).waitFor();
  const documents = page.getByRole("region", { name: "Transaction API documents" });
  await documents.getByText("/out/PO_4500012345.xml").waitFor();
  assert.equal(await documents.getByRole("listitem").count(), 5);

  const rotated = await (await fetch(`${sps}/control/clients/spsDemoProductionClient01/rotate`, { method: "POST" })).json();
  // A user's verify within 5 s of the last verdict is answered with it; a real rotation in the Dev Center takes longer.
  await new Promise((resolve) => setTimeout(resolve, 5_500));
  const verifyButton = page.getByRole("button", { name: "Verify Production account …nt01" });
  await verifyButton.focus();
  await page.keyboard.press("Enter");
  await page.getByRole("status").filter({ hasText: "needs attention" }).waitFor();
  await row.getByText("Needs attention").waitFor();
  assert.match(await row.textContent(), /rotated or revoked/);
  assert.equal(await focusedName(page), "Verify Production account …nt01", "the keyboard focus stays on the row's Verify button");
  assert.deepEqual(await axeViolations(page), [], "the Accounts page with an account that needs attention");

  await page.getByRole("button", { name: "Reconnect Production account …nt01" }).click();
  const reconnect = page.getByRole("dialog", { name: "Connect SPS Commerce" });
  await reconnect.waitFor();
  assert.equal(await reconnect.getByLabel("Production").isChecked(), true);
  assert.equal(await reconnect.getByLabel("Client ID").inputValue(), "spsDemoProductionClient01", "the Client ID is filled in");
  assert.equal(await reconnect.getByLabel("Client Secret").inputValue(), "", "the secret is asked for again");
  await submit(reconnect, "Production", "spsDemoProductionClient01", rotated.client_secret);
  await reconnect.getByRole("heading", { name: "SPS Commerce account connected" }).waitFor();
  await reconnect.getByRole("button", { name: "Done" }).click();
  await reconnect.waitFor({ state: "detached" });
  await row.getByText("Active").waitFor();
  await page.getByRole("status").filter({ hasText: "Production account …nt01 is reconnected and active" }).waitFor();
  assert.equal(await focusedName(page), "Reconnect Production account …nt01", "the focus returns to the row");
  assert.equal(await accounts.getByRole("row").filter({ hasText: "Production" }).count(), 1, "reconnecting updated the row");

  const accountId = await page.getByRole("button", { name: "Verify Production account …nt01" }).getAttribute("data-account");
  const token = await asPortalServer(`/api/sps/accounts/${accountId}/token`);
  assert.equal(token.status, 200);
  const { access_token: accessToken, token_type: tokenType } = await token.json();
  assert.equal(tokenType, "Bearer");
  assert.equal((await fetch(`${sps}/auth-check`, { headers: { Authorization: `Bearer ${accessToken}` } })).status, 204);
  const proxied = await asPortalServer(`/api/sps/accounts/${accountId}/proxy/transactions/v5/data/out/?limit=2`, "GET");
  assert.equal(proxied.status, 200);
  assert.equal((await proxied.json()).results.length, 2);

  const disconnect = page.getByRole("button", { name: "Disconnect Production account …nt01" });
  await disconnect.click();
  const confirmation = page.getByRole("alertdialog", { name: "Disconnect this account?" });
  await confirmation.waitFor();
  assert.equal(await focusedName(page), "Cancel", "Enter keeps the account");
  await confirmation.getByRole("button", { name: "Cancel" }).click();
  await confirmation.waitFor({ state: "hidden" });
  assert.equal(await focusedName(page), "Disconnect Production account …nt01");
  await disconnect.click();
  await confirmation.getByRole("button", { name: "Disconnect" }).click();
  await page.getByRole("status").filter({ hasText: "Production account …nt01 is disconnected" }).waitFor();
  assert.equal(await accounts.getByRole("row").filter({ hasText: "Production" }).count(), 0);
  assert.match(await focusedName(page), /^Disconnect Sandbox account/, "the focus moves to the next row");
  assert.equal(await page.getByRole("table", { name: "SPS documents of each account" }).getByRole("row")
    .filter({ hasText: "Production" }).count(), 0, "the portal heard of the change");
  assert.equal((await asPortalServer(`/api/sps/accounts/${accountId}/token`)).status, 404);
  await page.close();
});

test("the portal's server hears of a linked account and of new documents through signed webhooks", async () => {
  const page = await browser.newPage();
  await page.goto(portal);
  const accounts = page.getByRole("table", { name: "Linked SPS Commerce accounts" });
  const sandbox = accounts.getByRole("row").filter({ has: page.getByRole("cell", { name: "…nt01", exact: true }) })
    .filter({ hasText: "Sandbox" });
  await sandbox.getByText("Next: ").waitFor();
  const watching = page.getByRole("table", { name: "SPS documents of each account" });
  await watching.getByRole("row").filter({ hasText: "Sandbox account …nt01" })
    .getByRole("cell", { name: "Watched", exact: true }).waitFor();

  const events = page.getByRole("region", { name: "Webhook events received" });
  await events.getByRole("listitem").filter({ hasText: "account.created" }).first().waitFor();
  await events.getByRole("listitem").filter({ hasText: "5 new documents in the Sandbox account …nt01: /out/PO_4500012345.xml" }).waitFor({ timeout: 45_000 });

  const added = await fetch(`${sps}/control/clients/spsDemoSandboxClient01/documents`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name: "PO_4500099999.xml", content: "<Order/>" }),
  });
  assert.equal(added.status, 201);
  await events.getByRole("listitem").filter({ hasText: "1 new document in the Sandbox account …nt01: /out/PO_4500099999.xml" }).waitFor({ timeout: 45_000 });
  assert.equal(await events.getByRole("listitem").filter({ hasText: "PO_4500099999.xml" }).count(), 1, "announced once");
  await page.close();
});
