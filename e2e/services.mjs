// Starts the local SPS stand-in and the host backend (release widget served
// from dist/) on free loopback ports, for the end-to-end tests.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

export const root = new URL("..", import.meta.url).pathname;

/// Where Cargo put the binaries: CARGO_TARGET_DIR when set, as Cargo reads it.
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, "target");

/// The Client ID of the demo's Sandbox account.
export const SANDBOX_CLIENT_ID = "spsDemoSandboxClient01";

/// A connect endpoint's `201` answer for the demo's Sandbox account, for pages tested against a scripted backend.
export const CONNECTED_ANSWER = {
  status: "connected",
  account: {
    id: "acc_1", provider: "sps_commerce", environment: "sandbox", client_id_hint: "…nt01", client_id: SANDBOX_CLIENT_ID,
    services: ["transaction"], connected_at: "2026-12-01T10:00:00Z", status: "active", status_reason: null,
    last_verified_at: "2026-12-01T10:00:00Z", last_checked_at: null, next_check_at: null, watch_documents: false,
  },
};

/// Content types of the files a scripted page serves, by extension.
export const CONTENT_TYPES = { html: "text/html; charset=utf-8", js: "text/javascript", wasm: "application/wasm", css: "text/css" };

/// The file at URL path `path` under `dir`, as a scripted page's server sends
/// it: `{ type, body }`, or `null` when there is none (no `..` leaves `dir`).
export function staticFile(dir, path) {
  const file = path.replace(/^\/+/, "").replace(/\.\./g, "");
  try {
    return { type: CONTENT_TYPES[file.split(".").pop()] || "application/octet-stream", body: readFileSync(join(dir, file)) };
  } catch {
    return null;
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

async function waitFor(url) {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`nothing answered at ${url}`);
}

/// Starts both services with `hostEnv` added to the host's variables.
export async function startServices(hostEnv = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "sps-connect-e2e-"));
  const children = [];
  const run = (binary, env) => {
    const child = spawn(join(targetDir, "debug", binary), [], {
      env: { ...process.env, ...env, RUST_LOG: "warn" },
      stdio: ["ignore", "ignore", "inherit"],
    });
    children.push(child);
  };
  const tokenPort = await freePort();
  const hostPort = await freePort();
  const adminKey = randomBytes(32).toString("base64");
  const database = join(dataDir, "accounts.sqlite");
  run("sps-token-server", { SPS_TOKEN_SERVER_ADDR: `127.0.0.1:${tokenPort}` });
  run("sps-connect-host", {
    SPS_CONNECT_ADDR: `127.0.0.1:${hostPort}`,
    SPS_CONNECT_DEMO: "1",
    SPS_TOKEN_URL: `http://127.0.0.1:${tokenPort}/oauth/token`,
    SPS_API_URL: `http://127.0.0.1:${tokenPort}`,
    SPS_CONNECT_ADMIN_KEY: adminKey,
    SPS_SERVICES: "transaction,shipping_label,packing_slip",
    SPS_CONNECT_DATABASE: database,
    SPS_CONNECT_STATIC_DIR: join(root, "dist"),
    SPS_CONNECT_RETURN_ORIGINS: `http://127.0.0.1:${hostPort}`,
    SPS_CONNECT_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    SPS_CONNECT_SESSION_KEY: randomBytes(32).toString("base64"),
    SPS_CONNECT_WEBHOOK_URL: `http://127.0.0.1:${hostPort}/demo/webhooks`,
    SPS_CONNECT_WEBHOOK_SECRET: randomBytes(32).toString("base64"),
    SPS_CONNECT_DOCUMENTS_INTERVAL_SECS: "30",
    ...hostEnv,
  });
  const portal = `http://127.0.0.1:${hostPort}/`;
  const sps = `http://127.0.0.1:${tokenPort}`;
  await waitFor(`${sps}/`);
  await waitFor(portal);
  const asPortalServer = (path, method = "POST", body) =>
    fetch(new URL(path, portal), {
      method,
      headers: { Authorization: `Bearer ${adminKey}`, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const stop = () => {
    for (const child of children) child.kill();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { portal, sps, database, asPortalServer, stop };
}

/// The axe-core violations of the page, evaluated through the DevTools
/// protocol: the pages' Content-Security-Policy rightly refuses an injected <script>.
export async function axeViolations(page) {
  await page.evaluate(readFileSync(join(root, "node_modules/axe-core/axe.min.js"), "utf8"));
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}
