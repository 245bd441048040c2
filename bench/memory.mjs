// Memory of the widget in Chromium: JS heap and wasm memory after mount, and
// after 100 open / fill / connect / done cycles (answers scripted in the page).
import { execSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const root = new URL("..", import.meta.url).pathname;
const base = process.argv[2] || "http://127.0.0.1:18960";
const cycles = Number(process.argv[3] || 100);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || execSync("command -v chromium").toString().trim(),
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-precise-memory-info"],
});
// The first few dozen cycles fill V8's code and feedback caches; growth after them is what stays.
const warmUp = 50;

// Samples a fresh page after mount, after the warm-up and after `cycles` runs of `cycle`.
async function measure(cycle) {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  async function sample() {
    await cdp.send("HeapProfiler.collectGarbage");
    const { metrics } = await cdp.send("Performance.getMetrics");
    const heap = metrics.find((m) => m.name === "JSHeapUsedSize").value;
    const nodes = metrics.find((m) => m.name === "Nodes").value;
    return { jsHeap: heap, wasm: await page.evaluate(() => window.__wasmBytes()), nodes };
  }
  await page.goto(`${base}/memory.html`);
  await page.waitForFunction(() => window.__ready === true);
  const afterMount = await sample();
  for (let i = 0; i < warmUp; i++) await cycle(page);
  const afterWarmUp = await sample();
  for (let i = 0; i < cycles; i++) await cycle(page);
  const afterCycles = await sample();
  await page.close();
  return { afterMount, afterWarmUp, afterCycles };
}

async function connectCycle(page) {
  const dialog = page.getByRole("dialog", { name: "Connect SPS Commerce" });
  await page.getByRole("button", { name: "Connect SPS Commerce" }).click();
  await dialog.getByLabel("Client ID").fill("spsDemoSandboxClient01");
  await dialog.getByLabel("Client Secret").fill("sandbox-demo-secret-0123456789");
  await dialog.getByRole("button", { name: "Connect" }).click();
  await dialog.getByRole("button", { name: "Done" }).click();
  await dialog.waitFor({ state: "detached" });
}

// Playwright's injected scripts share the page's heap: the same number of
// locator calls with the widget untouched shows what the harness itself keeps.
async function harnessCycle(page) {
  for (let i = 0; i < 6; i++) await page.getByRole("button", { name: "Connect SPS Commerce" }).textContent();
}

const widget = await measure(connectCycle);
const harness = await measure(harnessCycle);
await browser.close();
const result = { cycles, warmUp, ...widget, harness };
mkdirSync(join(root, "bench/results"), { recursive: true });
writeFileSync(join(root, "bench/results/memory.json"), JSON.stringify(result, null, 1));
console.log(JSON.stringify(result, null, 1));
