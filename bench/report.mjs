// Writes BENCHMARKS.md from the results of one `./scripts/bench` run.
import { readFileSync, writeFileSync } from "node:fs";
import { execSync } from "node:child_process";
import os from "node:os";

const root = new URL("..", import.meta.url).pathname;
const read = (path) => JSON.parse(readFileSync(root + path, "utf8"));
const bytes = read("bench/results/bytes.json");
const load = read("bench/load/results.json");
const memory = read("bench/results/memory.json");
const backend = read("bench/results/backend.json");
const n = (x) => Math.round(x).toLocaleString("en-US");
const ms = (x) => (x == null ? "-" : x.toFixed(1));
const kib = (x) => `${(x / 1024).toFixed(1)} KiB`;
const peerBytes = 591436;
const floor = load.summary.static.formPainted.median;
const ours = load.summary.widget.formPainted.median;
const peer = load.summary["hub-direct"]?.formPainted.median;

const lines = [];
lines.push("# Benchmarks", "");
lines.push(`Measured on ${new Date(load.date).toISOString().slice(0, 10)} with \`./scripts/bench\` (RUNS=${load.runs}):`);
lines.push(`${os.cpus().length} cores (${os.cpus()[0].model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Chromium ${load.chromium}, ${execSync("rustc --version").toString().trim()}.`);
lines.push("These are measurements, not tests: nothing here can fail the test command.", "");
lines.push("## Bytes a host loads", "", "| file | raw | gzip -9 | brotli 11 |", "|---|---:|---:|---:|");
for (const r of bytes.rows) lines.push(`| \`${r.file}\` | ${n(r.raw)} | ${n(r.gzip)} | ${n(r.brotli)} |`);
const first = bytes.totals.first;
lines.push(`| **the first dialog's bundle** (\`sps-connect.js\`, \`sps-connect_bg.wasm\`) | **${n(first.raw)}** | **${n(first.gzip)}** | **${n(first.brotli)}** |`);
lines.push(`| the accounts bundle, loaded instead (\`sps-connect-accounts.js\`, its wasm) | ${n(bytes.totals.accounts.raw)} | ${n(bytes.totals.accounts.gzip)} | ${n(bytes.totals.accounts.brotli)} |`, "");
lines.push(`Target ≤ 120 KB gzip for the first dialog: ${first.gzip <= 120 * 1024 ? "met" : `not met (${kib(first.gzip)})`}. Peer \`@stackone/hub\` 1.11.4 web component: ${n(peerBytes)} B gzip (${(peerBytes / first.gzip).toFixed(1)} × ours).`, "");
if (bytes.frameLoader) lines.push(`Frame mode's loader, \`/embed.js\`, which a page that allows no WebAssembly loads instead of the bundle: ${n(bytes.frameLoader.raw)} B raw, ${n(bytes.frameLoader.gzip)} B gzip, ${n(bytes.frameLoader.brotli)} B brotli.`, "");
lines.push("## Load: time to the Client ID field visible and painted", "");
lines.push(`Fresh browser context per load, served from loopback with gzip, pages rotated so each takes every slot, ${load.runs} loads per page (ms since navigation start).`, "");
lines.push("| page | median | p95 | min | max |", "|---|---:|---:|---:|---:|");
const pageNames = { static: "static HTML form, no script (the floor)", snapshot: "this widget's first render saved as static HTML, no script", widget: "this widget (release build, inline)", "hub-direct": "`@stackone/hub` straight to its SPS form" };
for (const [key, label] of Object.entries(pageNames)) {
  const s = load.summary[key]?.formPainted;
  if (s) lines.push(`| ${label} | ${ms(s.median)} | ${ms(s.p95)} | ${ms(s.min)} | ${ms(s.max)} |`);
}
lines.push("", `Widget / floor: ${(ours / floor).toFixed(2)} × (target ≤ 1.4 ×: ${ours / floor <= 1.4 ? "met" : "not met"}).` + (peer ? ` Widget / peer: ${(ours / peer).toFixed(2)} × (target ≤ 0.25 ×: ${ours / peer <= 0.25 ? "met" : "not met"}).` : ""), "");
const median = (xs) => { const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b); return v.length ? (v[(v.length - 1) >> 1] + v[v.length >> 1]) / 2 : null; };
const phase = (page, from, to) => median((load.raw[page] ?? []).filter((r) => !r.error).map((r) => r[to] - r[from]));
const content = load.summary.snapshot?.formPainted.median;
if (content) lines.push(`The dialog's content alone (its first render saved as static HTML with its stylesheet, in a declarative shadow root: the guide, the environment choice, the fields) paints at ${(content / floor).toFixed(2)} × the floor: that much of the widget's time is the browser laying out and painting what the dialog shows, before any script; the script's own share is the rest, ${ms(ours - content)} ms.`, "");
if (load.raw.widget?.some((r) => r.ready != null)) {
  lines.push("Where the time goes: the median of each step over the loads (ms).", "");
  lines.push("| step | floor | first render, static | widget |", "|---|---:|---:|---:|");
  const responseEnd = (page) => ms(load.summary[page]?.responseEnd?.median);
  lines.push(`| navigation to the HTML received | ${responseEnd("static")} | ${responseEnd("snapshot")} | ${responseEnd("widget")} |`);
  lines.push(`| HTML received to the page's module script running (both bundle files fetched) | - | - | ${ms(phase("widget", "responseEnd", "script"))} |`);
  lines.push(`| \`init()\`: the wasm compiled and instantiated | - | - | ${ms(phase("widget", "script", "ready"))} |`);
  lines.push(`| \`mount()\` until it returns (the options read, the shadow root and the view mounted) | - | - | ${ms(phase("widget", "ready", "mounted"))} |`);
  lines.push(`| HTML received (or \`mount()\` returned) to the Client ID field present (for the widget: the work the first render queued) | ${ms(phase("static", "responseEnd", "form"))} | ${ms(phase("snapshot", "responseEnd", "form"))} | ${ms(phase("widget", "mounted", "form"))} |`);
  lines.push(`| present to painted (style, layout, paint, the first frame) | ${ms(phase("static", "form", "formPainted"))} | ${ms(phase("snapshot", "form", "formPainted"))} | ${ms(phase("widget", "form", "formPainted"))} |`, "");
  lines.push(`Bundle files received (median, ms since navigation start): \`sps-connect.js\` ${ms(load.summary.widget.glueEnd?.median)}, \`sps-connect_bg.wasm\` ${ms(load.summary.widget.wasmEnd?.median)}.`, "");
}
lines.push("## Memory", "", `After mount, after ${memory.warmUp} warm-up cycles, and after ${memory.cycles} more open / fill / connect / done cycles (answers scripted in the page), each after a forced garbage collection.`, "");
lines.push("| moment | JS heap | wasm memory | DOM nodes |", "|---|---:|---:|---:|");
for (const [label, s] of [["after mount", memory.afterMount], ["after warm-up", memory.afterWarmUp], [`after ${memory.cycles} cycles`, memory.afterCycles]]) {
  lines.push(`| ${label} | ${kib(s.jsHeap)} | ${kib(s.wasm)} | ${s.nodes} |`);
}
const growth = (m) => m.afterCycles.jsHeap - m.afterWarmUp.jsHeap;
lines.push("", `Growth over the ${memory.cycles} cycles: JS heap ${kib(growth(memory))}, wasm ${kib(memory.afterCycles.wasm - memory.afterWarmUp.wasm)}, nodes ${memory.afterCycles.nodes - memory.afterWarmUp.nodes}.`);
lines.push(`The test harness alone (the same page, the widget untouched, ${memory.cycles} cycles of the same number of Playwright locator calls) grows the JS heap by ${kib(growth(memory.harness))}: the widget's own share is ${kib(growth(memory) - growth(memory.harness))}.`, "");
lines.push("## Backend: the host's calls vs the same calls made directly", "");
lines.push("Release build of the host (its own HTTP server) and the local token server on loopback, in one process, on each store: SQLite (WAL mode, its default durability) and PostgreSQL (a server started for the run on loopback, over TLS, a pool of 32). At each level the two sides alternate, five rounds each, so that drift during the run weighs on both alike.", "");
const table = (rows) => {
  lines.push("| clients | direct p50 | direct p99 | direct /s | via host p50 | via host p99 | via host /s | overhead p50 | failures |", "|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const clients of ["1", "16", "64"]) {
    const r = rows[clients];
    const why = Object.entries(r.failed_with?.via_host ?? {}).map(([status, count]) => `${status} × ${count}`).join(", ");
    lines.push(`| ${clients} | ${r.direct.p50_ms.toFixed(2)} | ${r.direct.p99_ms.toFixed(2)} | ${n(r.direct.per_second)} | ${r.via_host.p50_ms.toFixed(2)} | ${r.via_host.p99_ms.toFixed(2)} | ${n(r.via_host.per_second)} | ${r.overhead_p50_ms.toFixed(2)} | ${r.failures.direct}/${r.failures.via_host}${why ? ` (${why})` : ""} |`);
  }
  lines.push("");
};
const storeNames = { sqlite: "SQLite", postgres: "PostgreSQL" };
for (const [key, name] of Object.entries(storeNames)) {
  const run = backend[key];
  if (!run) {
    lines.push(`### ${name}`, "", "Not measured in this run.", "");
    continue;
  }
  lines.push(`### ${name}`, "");
  lines.push("**Connect.** \"direct\" is the token request plus the auth-check made straight at the token server; \"via host\" is `POST /api/sps/connect`, which makes those two calls and stores the link.", "");
  table(run.connect);
  lines.push(`Links acknowledged: ${run.rows.acknowledged}; new rows in the store afterwards: ${run.rows.stored} (${run.rows.acknowledged === run.rows.stored ? "nothing lost, nothing duplicated" : "MISMATCH"}). Overhead at 1 client: ${run.connect["1"].overhead_p50_ms.toFixed(2)} ms.`, "");
  lines.push("Every connect of the run links the same Client ID for a different user. The host holds at most 50 attempts in flight per Client ID across users (an abuse limit, see docs/security.md), so at 64 clients the attempts past it are answered `429 rate_limited` with `Retry-After` before SPS is called: refused, not lost.", "");
  lines.push("**Token broker.** \"via host\" is `POST /api/sps/accounts/{id}/token` answered from the cached token; \"direct\" is one SPS call with that token (the auth-check).", "");
  table(run.token_broker);
  lines.push("**Proxy.** \"via host\" is `GET /api/sps/accounts/{id}/proxy/transactions/v5/data/out/?limit=2` (the cached token); \"direct\" is the same call made straight at the SPS stand-in with the token.", "");
  table(run.proxy);
}
lines.push("## Reproduce", "", "```sh", "./scripts/bench            # RUNS=20 by default; RUNS=5 for a quick look", "./scripts/profile-wasm     # the first dialog's wasm bytes by crate (twiggy); --accounts for the accounts bundle", "```", "");
writeFileSync(root + "BENCHMARKS.md", lines.join("\n"));
console.log(lines.join("\n"));
