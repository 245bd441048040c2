// Writes widget/snapshot.html: the widget's first render (its shadow root's markup, and the stylesheet the
// bundle carries, style/connect.css) as a static page with a declarative shadow root and no script, so the
// load benchmark can tell what the dialog's content costs the browser from what its script costs.
// Usage: node snapshot.mjs [--base http://127.0.0.1:18960]   (mock-api.mjs serving widget.html)
import { execSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
const { chromium } = createRequire(import.meta.url)(process.env.PLAYWRIGHT_CORE || 'playwright-core');

const i = process.argv.indexOf('--base');
const BASE = i > 0 ? process.argv[i + 1] : 'http://127.0.0.1:18960';
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || execSync('command -v chromium').toString().trim(), args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
await page.goto(`${BASE}/widget.html`);
await page.locator('#sps input[name="client-id"]').waitFor({ state: 'visible' });
const css = fs.readFileSync(new URL('../../style/connect.css', import.meta.url), 'utf8');
const html = await page.evaluate((css) => {
  const host = [...document.querySelectorAll('#sps, #sps *')].find((el) => el.shadowRoot);
  const root = host.shadowRoot;
  return '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>SPS Commerce Connect (first render, static)</title>\n</head>\n<body>\n'
    + `<div id="sps"><${host.localName}><template shadowrootmode="open"><style>${css}</style>${root.innerHTML}</template></${host.localName}></div>\n</body>\n</html>\n`;
}, css);
await browser.close();
if (!html.includes('name="client-id"')) throw new Error('the snapshot has no Client ID field');
fs.writeFileSync(new URL('./widget/snapshot.html', import.meta.url), html);
console.log(`wrote widget/snapshot.html (${html.length} bytes)`);
