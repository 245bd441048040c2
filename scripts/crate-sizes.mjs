// Sums a `twiggy top --format csv` listing by crate: the first path segment
// of each demangled item (for `<T as Trait>`, the crate of T, or of the trait
// when T is a primitive), or the kind of a non-function item. The names
// section, which the release bundle drops, is left out. Drop glue and the
// calls of closures are their own rows: they are named after core but are
// code of the types and closures of every crate.
import { readFileSync } from "node:fs";

const [file] = process.argv.slice(2);
const rows = readFileSync(file, "utf8").trim().split("\n").slice(1);
const totals = new Map();
let all = 0;
for (const row of rows) {
  const match = row.match(/^"?(.*?)"?,(\d+),/);
  if (!match) continue;
  const [, name, size] = match;
  if (name.includes("names\"\" subsection")) continue;
  const bytes = Number(size);
  all += bytes;
  const key = crateOf(name);
  totals.set(key, (totals.get(key) ?? 0) + bytes);
}
const sorted = [...totals].sort((a, b) => b[1] - a[1]);
console.log(`${"crate or section".padEnd(28)} ${"bytes".padStart(9)} ${"share".padStart(6)}`);
for (const [key, bytes] of sorted.slice(0, 30)) {
  console.log(`${key.padEnd(28)} ${String(bytes).padStart(9)} ${((100 * bytes) / all).toFixed(1).padStart(5)}%`);
}
console.log(`${"total".padEnd(28)} ${String(all).padStart(9)}`);

function crateOf(name) {
  if (name.startsWith("data segment")) return "(data)";
  if (name.startsWith("core::ptr::drop_in_place")) return "(drop glue)";
  if (name.startsWith("core::ops::function::")) return "(closure calls)";
  const plain = name.replace(/\[[0-9a-f]{16}\]/g, "").replace(/^[<&\s]+|\b(dyn|impl|mut) /g, "");
  const direct = plain.match(/^([A-Za-z_][A-Za-z0-9_]*)::/);
  if (direct) return direct[1];
  const viaTrait = plain.match(/^[A-Za-z0-9_]+ as ([A-Za-z_][A-Za-z0-9_]*)::/);
  if (viaTrait) return viaTrait[1];
  return `(${plain.split(/[\s\[]/)[0]})`;
}
