// The bytes a host page loads for the widget: raw, gzip -9 and brotli (q11)
// of each file of the release bundles in dist/, and the total of each
// bundle: the first dialog's (sps-connect.js) and the accounts bundle
// (sps-connect-accounts.js), which a page loads instead.
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const root = new URL("..", import.meta.url).pathname;
const dist = join(root, "dist");
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.(js|wasm|css)$/.test(name)) files.push(path);
  }
};
walk(dist);
const rows = files.sort().map((path) => {
  const raw = readFileSync(path);
  const brotli = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  return { file: relative(dist, path), raw: raw.length, gzip: gzipSync(raw, { level: 9 }).length, brotli: brotli.length };
});
// Frame mode's loader is not part of the bundle: a page that uses it loads it instead of everything above.
const loaderRaw = readFileSync(join(root, "crates/host/src/http/embed/loader.js"));
const frameLoader = { file: "/embed.js (frame mode's loader, instead of the bundle)", raw: loaderRaw.length,
  gzip: gzipSync(loaderRaw, { level: 9 }).length,
  brotli: brotliCompressSync(loaderRaw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length };
const bundleOf = (file) => (file.startsWith("sps-connect-accounts") ? "accounts" : "first");
const sum = (bundle) => rows.filter((r) => bundleOf(r.file) === bundle)
  .reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), { raw: 0, gzip: 0, brotli: 0 });
const totals = { first: sum("first"), accounts: sum("accounts") };
mkdirSync(join(root, "bench/results"), { recursive: true });
writeFileSync(join(root, "bench/results/bytes.json"), JSON.stringify({ rows, totals, frameLoader }, null, 1));
const totalRows = [{ file: "first dialog's bundle", ...totals.first }, { file: "accounts bundle", ...totals.accounts }];
for (const r of [...rows, ...totalRows, frameLoader]) {
  console.log(`${r.file.padEnd(58)} ${String(r.raw).padStart(8)} ${String(r.gzip).padStart(8)} ${String(r.brotli).padStart(8)}`);
}
