// The trustee page's work in headless Chromium, timed: the key ceremony's
// steps for n trustees (all in one page, one after another, as each
// trustee's browser would take its own), and the decryption's record check
// against board size. Not a test: benches/RESULTS.md §10 has its figures.
//
//   node bench-trustee.mjs N RECORD_DIR [RECORD_DIR …]
//
// serves web/static/pkg and the records on 127.0.0.1 and prints JSON.

import { createServer } from "node:http";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [n, ...records] = process.argv.slice(2);
const PKG = new URL("../static/pkg/", import.meta.url).pathname;

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import init, { TrusteeKey, TallyCheck } from "/pkg/valurna_booth.js";
window.bench = async (n, records) => {
  await init();
  const out = { n, ceremony: {}, records: [] };
  const params = new TextEncoder().encode(JSON.stringify({
    manifest_hash: "11".repeat(32), ceremony_id: "22".repeat(16), trustees: n, threshold: Math.ceil(n / 2) + 1 > n ? n : Math.floor(n / 2) + 1 }));
  const time = (name, f) => { const t0 = performance.now(); const r = f(); (out.ceremony[name] ??= []).push(performance.now() - t0); return r; };
  const keys = []; const files = { "ceremony-params.json": new TextDecoder().decode(params) };
  for (let i = 1; i <= n; i++) {
    const k = time("announce", () => TrusteeKey.announce(params, i));
    const a = JSON.parse(k.announcement()); files[a.name] = a.content;
    const sealed = time("seal_key_file", () => k.seal("a passphrase for the bench"));
    time("reopen_key_file", () => k.check(sealed, "a passphrase for the bench"));
    keys.push(k);
  }
  for (const k of keys) { const u = JSON.parse(time("deal", () => k.deal(JSON.stringify(files)))); files[u.name] = u.content; }
  for (const k of keys) { const u = JSON.parse(time("receive_and_confirm", () => k.receive(JSON.stringify(files)))); if (u.accused.length) throw new Error("complaint"); }
  for (const dir of records) {
    const get = async (f) => new Uint8Array(await (await fetch(\`/record/\${dir}/\${f}\`)).arrayBuffer());
    const t0 = performance.now();
    const check = new TallyCheck(...await Promise.all(["manifest.json", "parameters.json", "ceremony.json", "credentials.jsonl"].map(get)));
    const t1 = performance.now();
    const stream = async () => { const r = (await fetch(\`/record/\${dir}/board.jsonl\`)).body.getReader();
      for (;;) { const { done, value } = await r.read(); if (done) return; check.board(value); } };
    await stream();
    const superseded = check.superseded();
    if (superseded > 0) await stream();
    const entries = check.entries;
    check.finish(await get("board_seal.json"), await get("tally.json"));
    const t2 = performance.now();
    out.records.push({ dir, entries, superseded, setup_ms: Math.round(t1 - t0), total_ms: Math.round(t2 - t0),
      ballots_per_s: Math.round(entries / ((t2 - t1) / 1000)) });
  }
  for (const [k, v] of Object.entries(out.ceremony)) {
    v.sort((a, b) => a - b);
    out.ceremony[k] = { median_ms: Math.round(v[Math.floor(v.length / 2)] * 10) / 10, max_ms: Math.round(v[v.length - 1] * 10) / 10 };
  }
  return out;
};
</script>`;

const server = createServer((req, res) => {
  const url = decodeURIComponent(req.url.split("?")[0]);
  let file = null;
  let type = "application/octet-stream";
  if (url === "/") { res.writeHead(200, { "content-type": "text/html" }); res.end(PAGE); return; }
  if (url.startsWith("/pkg/")) file = join(PKG, url.slice(5));
  const m = url.match(/^\/record\/(\d+)\/([\w.-]+)$/);
  if (m) file = join(records[Number(m[1])], m[2]);
  if (!file || !existsSync(file)) { res.writeHead(404); res.end(); return; }
  if (file.endsWith(".wasm")) type = "application/wasm";
  if (file.endsWith(".js")) type = "text/javascript";
  res.writeHead(200, { "content-type": type });
  res.end(readFileSync(file));
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu"] });
const page = await browser.newPage();
await page.goto(`http://127.0.0.1:${server.address().port}/`);
await page.waitForFunction(() => typeof window.bench === "function");
const result = await page.evaluate(([n, dirs]) => window.bench(n, dirs), [Number(n), records.map((_, i) => String(i))]);
result.records.forEach((r, i) => { r.dir = records[i]; });
console.log(JSON.stringify(result, null, 2));
await browser.close();
server.close();
