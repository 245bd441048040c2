// The npm package as a portal gets it: packed by scripts/package from the
// release build (./scripts/test runs it before these tests), installed into an empty project, imported in Node (no
// window), and type-checked with `tsc --strict`, which must accept a typed
// page and reject an option name or value the widget would refuse.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "./services.mjs";

const GOOD = `import init, { mount, type ConnectHandle, type SuccessDetail } from "sps-commerce-connect";
import initAccounts, { mountAccounts, mount as mountWithAccounts } from "sps-commerce-connect/accounts";
import { mount as mountInFrame } from "sps-commerce-connect/embed";

await init();
const handle: ConnectHandle = mount(document.body, {
  sessionToken: "token",
  environment: "production",
  services: ["transaction", "packing_slip"],
  whiteLabel: { enabled: true, appName: "Acme" },
  theme: { scheme: "dark", brand: "#7c3aed" },
  onSuccess: ({ account }: SuccessDetail) => console.log(account.clientIdHint),
  onEvent: (step) => {
    if (step.type === "failed") console.log(step.code, step.retryable);
  },
});
handle.open();
const isOpen: boolean = handle.isOpen;
const element = document.createElement("sps-connect");
element.open();
element.addEventListener("sps-connect:success", (event) => console.log(event.detail.account.environment, isOpen));
document.querySelector("sps-connect")?.addEventListener("sps-connect:error", (event) => console.log(event.detail.code));
await initAccounts();
mountWithAccounts(document.body, { sessionToken: "token" }).open();
const list = mountAccounts(document.body, {
  sessionToken: "token",
  allowActions: ["verify", "disconnect"],
  onChange: ({ change, accounts }) => console.log(change, accounts.map((account) => account.status_reason)),
});
list.refresh();
const accounts = document.createElement("sps-accounts");
accounts.refresh();
accounts.addEventListener("sps-accounts:changed", (event) => console.log(event.detail.accounts[0]?.client_id_hint));
const framed: ConnectHandle = mountInFrame(document.body, { frameUrl: "https://connect.example/embed/connect", sessionToken: "token" });
framed.open();
`;

const BAD = `import { mount } from "sps-commerce-connect";
import { mountAccounts } from "sps-commerce-connect/accounts";
import { mount as mountInFrame } from "sps-commerce-connect/embed";

// @ts-expect-error: the option is frameUrl
mountInFrame(document.body, { frameURL: "https://connect.example/embed/connect" });

// @ts-expect-error: the option is appName
mount(document.body, { whiteLabel: { appname: "Acme" } });
// @ts-expect-error: the environments are sandbox and production
mount(document.body, { environment: "prod" });
// @ts-expect-error: services are the widget's identifiers
mount(document.body, { services: ["labels"] });
// @ts-expect-error: the list opens its Reconnect dialog modal itself
mountAccounts(document.body, { mode: "inline" });
// @ts-expect-error: the actions are verify, reconnect and disconnect
mountAccounts(document.body, { allowActions: ["delete"] });
document.createElement("sps-connect").addEventListener("sps-connect:success", (event) => {
  // @ts-expect-error: the account carries a hint, never the secret
  console.log(event.detail.account.clientSecret);
});
`;

test("the packed package installs, imports in Node and is typed strictly", () => {
  const tarball = readdirSync(join(root, "target/npm")).find((name) => name.endsWith(".tgz"));
  const project = mkdtempSync(join(tmpdir(), "sps-connect-package-"));
  try {
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "portal", private: true, type: "module" }));
    execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error", join(root, "target/npm", tarball)], {
      cwd: project,
      stdio: "pipe",
    });
    const installed = readdirSync(join(project, "node_modules/sps-commerce-connect")).sort();
    assert.deepEqual(installed, ["README.md", "accounts.d.ts", "embed.d.ts", "embed.js", "index.d.ts", "package.json",
      "sps-connect-accounts.js", "sps-connect-accounts_bg.wasm", "sps-connect.js", "sps-connect_bg.wasm"]);

    const imported = execFileSync(
      "node",
      ["--input-type=module", "-e", `const m = await import("sps-commerce-connect"); const a = await import("sps-commerce-connect/accounts"); const e = await import("sps-commerce-connect/embed"); console.log(typeof m.mount, typeof m.mountAccounts, typeof a.mountAccounts, typeof a.mount, typeof e.mount, typeof window);`],
      { cwd: project, encoding: "utf8" },
    );
    assert.equal(imported.trim(), "function undefined function function function undefined", "importing in Node (no window) does not throw");

    writeFileSync(join(project, "good.ts"), GOOD);
    writeFileSync(join(project, "bad.ts"), BAD);
    const tsc = join(root, "node_modules/.bin/tsc");
    const flags = ["--strict", "--noEmit", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler", "--lib", "es2022,dom", "--skipLibCheck", "false"];
    execFileSync(tsc, [...flags, "good.ts", "bad.ts"], { cwd: project, stdio: "pipe" });
    writeFileSync(join(project, "wrong.ts"), BAD.replaceAll("// @ts-expect-error", "//"));
    let refused = "";
    try {
      execFileSync(tsc, [...flags, "wrong.ts"], { cwd: project, encoding: "utf8" });
    } catch (error) {
      refused = error.stdout;
    }
    for (const expected of ["frameURL", "appname", '"prod"', '"labels"', "clientSecret", "mode", '"delete"']) {
      assert.ok(refused.includes(expected), `tsc refuses ${expected}: ${refused}`);
    }
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});
