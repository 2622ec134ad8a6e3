// The key ceremony in the trustees' browsers: started by
// tests/tests/trustees.rs, which sets
//   VALURNA_URL        the server
//   VALURNA_PASSWORD   the accounts' password (carl, tess, theo)
//   VALURNA_TAMPERED   an election at its ceremony, n = t = 2
//   VALURNA_CLEAN      another, with the same trustees
//   VALURNA_PASSPHRASES  the trustees' passphrases for their key files (JSON)
//   VALURNA_OUT        screenshots
//   CHROMIUM           the browser
//
// No request is made outside the pages. Every request body the trustees'
// pages send is recorded, and none may hold a key file or a secret: the
// harness gets them (OUT/requests.json) and the key files saved, and
// looks in them for every secret the key files hold.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Harness, PHONE, DESKTOP, checked, labelled, fitsWidth, noRawKeys, formError,
  trusteePage, saveKey, checkKeyFile, makeKey as makeKeyIn, keepShare as keepShareIn } from "./harness.mjs";

const BASE = process.env.VALURNA_URL;
const PASSWORD = process.env.VALURNA_PASSWORD;
const TAMPERED = Number(process.env.VALURNA_TAMPERED);
const CLEAN = Number(process.env.VALURNA_CLEAN);
const OUT = process.env.VALURNA_OUT ?? "trustees";
assert.ok(BASE && PASSWORD && TAMPERED && CLEAN, "the harness names the server, the password and two elections");
const h = new Harness(OUT);

before(() => h.launch());
after(() => h.close());

const PASS = JSON.parse(process.env.VALURNA_PASSPHRASES ?? "{}");
assert.ok(PASS.tess && PASS.theo, "the harness gives the trustees' passphrases");
// Every request body the trustees' pages sent: [url, text].
const sent = [];
// Every key file the trustees saved: their texts.
const keyFiles = [];

// A trustee signed in on their own browser; `csp` keeps the page's
// Content-Security-Policy (axe needs it bypassed).
async function trustee(username, viewport, { csp = true, locale = "en-GB" } = {}) {
  const p = await h.page(viewport, locale, { bypassCSP: !csp });
  p.on("request", (r) => {
    const body = r.postData();
    if (body) sent.push([r.url(), body]);
  });
  await p.goto(`${BASE}/staff`);
  await p.fill("#username", username);
  await p.fill("#password", PASSWORD);
  await Promise.all([p.waitForNavigation(), p.click("#staff-login button[type=submit]")]);
  await p.waitForSelector(".whoami");
  return p;
}

async function saveKeyFile(p, name) {
  const path = await saveKey(p, OUT, name);
  keyFiles.push(readFileSync(path, "utf8"));
  return path;
}
const makeKey = async (p, username, election) => {
  const path = await makeKeyIn(p, PASS[username], OUT, `${username}-${election}`);
  keyFiles.push(readFileSync(path, "utf8"));
  return path;
};
const keepShare = async (p, username, election) => {
  const path = await keepShareIn(p, PASS[username], OUT, `${username}-${election}`);
  keyFiles.push(readFileSync(path, "utf8"));
  return path;
};
const toTrusteePage = (p, election) => trusteePage(p, BASE, election);

async function refused(p) {
  await p.waitForSelector("#trustee-error:not(:empty)");
  const text = await p.textContent("#trustee-error");
  await p.evaluate(() => { document.querySelector("#trustee-error").textContent = ""; });
  return text;
}

let tessDealer;

test("a share changed on its way is complained about, and the pages name its dealer", async () => {
  const tess = await trustee("tess", DESKTOP);
  const theo = await trustee("theo", DESKTOP);
  // What tess's browser deals trustee 2 is changed before the server
  // gets it: one byte of the encrypted share.
  await tess.route(`**/api/elections/${TAMPERED}/ceremony/shares-from-1.json`, async (route) => {
    if (route.request().method() !== "PUT") { await route.continue(); return; }
    const shares = JSON.parse(route.request().postData());
    const s = shares.find((x) => x.to === 2);
    s.ciphertext = (s.ciphertext[0] === "0" ? "1" : "0") + s.ciphertext.slice(1);
    await route.continue({ postData: JSON.stringify(shares) });
  });
  await toTrusteePage(tess, TAMPERED);
  await toTrusteePage(theo, TAMPERED);
  tessDealer = await makeKey(tess, "tess", TAMPERED);
  await makeKey(theo, "theo", TAMPERED);
  // Round 2 goes by itself; in round 3 tess's shares check, theo's do not.
  await keepShare(tess, "tess", TAMPERED);
  await theo.waitForSelector("#trustee-error:not(:empty)");
  assert.match(await theo.textContent("#trustee-error"), /The shares of 1\. tess did not check: your complaint is published/);
  for (const p of [tess, theo]) {
    await p.waitForFunction(() => /stopped: 1\. tess is at fault/.test(document.querySelector("#trustee-status").textContent));
    await p.waitForSelector("#ceremony-faults li[data-trustee='1']");
  }
  assert.match(await theo.textContent("#ceremony-faults"), /sent trustee 2 a share that does not match its commitments/);
  await h.shot(theo, "trustee-stopped-desktop");
  // The committee's page names tess too.
  const carl = await trustee("carl", DESKTOP, { csp: false });
  await carl.goto(`${BASE}/staff/elections/${TAMPERED}`);
  assert.equal(await carl.getAttribute("#ceremony-standing", "data-round"), "stopped");
  assert.match(await carl.textContent("#ceremony-standing"), /Stopped: 1\. tess is at fault/);
  await checked(carl, "the committee's page, a ceremony stopped");
  await h.shot(carl, "committee-stopped-desktop");

  // The committee restarts without tess. Without a replacement one
  // trustee would be left for a threshold of two: said, nothing changed.
  assert.equal(await carl.inputValue("#restart-without"), "1", "the trustee at fault is chosen first");
  await carl.selectOption("#restart-replacement", { index: 0 });
  assert.match(await formError(carl, "#restart-ceremony"), /with 1 trustees left, a threshold of 2 cannot be met/);
  await carl.selectOption("#restart-replacement", { value: "tina" });
  await Promise.all([carl.waitForNavigation(), carl.click("#restart-ceremony button[type=submit]")]);
  assert.equal(await carl.getAttribute("#ceremony-standing", "data-round"), "1");
  assert.match(await carl.textContent("#ceremony-standing"), /Round 1 of 3: waiting for 1\. tina, 2\. theo/);
  // theo's page starts afresh by itself; tess is no trustee of it any more.
  await theo.waitForSelector("#step-make:not([hidden])");
  await tess.waitForSelector("text=you are not a trustee of this election");
  const tina = await trustee("tina", DESKTOP);
  await toTrusteePage(tina, TAMPERED);
  await Promise.all([makeKey(tina, "tina", TAMPERED), makeKey(theo, "theo", TAMPERED)]);
  await Promise.all([keepShare(tina, "tina", TAMPERED), keepShare(theo, "theo", TAMPERED)]);
  for (const p of [tina, theo]) {
    await p.waitForFunction(() => /The key ceremony is complete/.test(document.querySelector("#trustee-status").textContent));
  }
  for (const p of [tess, theo, tina, carl]) await p.context().close();
});

test("two trustees hold the whole ceremony in their browsers, with key files they reopen", async () => {
  // tess on a phone with the page's CSP kept; theo on a desktop, checked
  // with axe.
  const tess = await trustee("tess", PHONE);
  const theo = await trustee("theo", DESKTOP, { csp: false });
  await toTrusteePage(tess, CLEAN);
  await toTrusteePage(theo, CLEAN);
  await fitsWidth(tess);
  await labelled(tess);
  await noRawKeys(tess, "the trustee page (phone)");
  await h.shot(tess, "trustee-make-phone");
  await checked(theo, "the trustee page, making the key");

  // Two passphrases that differ, then one too short: said, nothing made.
  await tess.fill("#make-pass", PASS.tess);
  await tess.fill("#make-again", `${PASS.tess}!`);
  await tess.click("#make-form button[type=submit]");
  assert.match(await refused(tess), /The two passphrases differ/);
  await tess.fill("#make-pass", "too short");
  await tess.fill("#make-again", "too short");
  await tess.click("#make-form button[type=submit]");
  assert.match(await refused(tess), /at least 12 characters/);
  assert.ok(await tess.isVisible("#step-make"));

  // The key is made; the page goes on only once its file reopens.
  await tess.fill("#make-pass", PASS.tess);
  await tess.fill("#make-again", PASS.tess);
  await tess.click("#make-form button[type=submit]");
  const dealer = await saveKeyFile(tess, "tess-clean-dealer.json");
  await h.shot(tess, "trustee-save-phone");
  await fitsWidth(tess);
  // A wrong passphrase, a truncated file, the other election's key file.
  await checkKeyFile(tess, dealer, "not my passphrase at all");
  assert.match(await refused(tess), /The passphrase does not open this key file/);
  const cut = join(OUT, "tess-cut.json");
  const whole = readFileSync(dealer, "utf8");
  writeFileSync(cut, whole.slice(0, Math.floor(whole.length / 2)));
  await checkKeyFile(tess, cut, PASS.tess);
  assert.match(await refused(tess), /The key file is incomplete: it was cut short/);
  await checkKeyFile(tess, tessDealer, PASS.tess);
  assert.match(await refused(tess), /belongs to another election or to an earlier key ceremony/);
  // Nothing was uploaded while the file did not check.
  assert.ok(!sent.some(([url]) => url.includes(`/elections/${CLEAN}/ceremony/announcement-1.json`)),
    "the announcement waits for the key file's check");
  await checkKeyFile(tess, dealer, PASS.tess);
  await tess.waitForSelector("#step-save", { state: "hidden" });

  // tess reloads: the key is gone from the page and is opened from the file.
  await tess.reload();
  await tess.waitForSelector("#step-open:not([hidden])");
  await tess.setInputFiles("#open-file", dealer);
  await tess.fill("#open-pass", "not my passphrase at all");
  await tess.click("#open-form button[type=submit]");
  assert.match(await refused(tess), /The passphrase does not open this key file/);
  await tess.fill("#open-pass", PASS.tess);
  await tess.click("#open-form button[type=submit]");
  await tess.waitForSelector("#step-open", { state: "hidden" });
  // Waiting for theo, by name; never "failed".
  await tess.waitForFunction(() => /Round 1 of 3: waiting for 2\. theo/.test(document.querySelector("#trustee-status").textContent));
  assert.doesNotMatch(await tess.textContent("main"), /fail/i);

  await makeKey(theo, "theo", CLEAN);
  // Rounds 2 and 3 go by themselves; each keeps its share in a new file.
  await Promise.all([keepShare(tess, "tess", CLEAN), keepShare(theo, "theo", CLEAN)]);
  for (const p of [tess, theo]) {
    await p.waitForFunction(() => /The key ceremony is complete/.test(document.querySelector("#trustee-status").textContent));
    await p.waitForFunction(() => document.querySelector("#ceremony-standing")?.dataset.round === "complete");
  }
  assert.deepEqual(await theo.$$eval("#ceremony-trustees tbody tr", (trs) => trs.map((tr) => tr.dataset.done)), ["3", "3"]);
  await h.shot(theo, "trustee-complete-desktop");
  const timings = await theo.evaluate(() => window.valurnaTrustee.timings);
  console.log(`trustee page timings (ms, n = 2): ${JSON.stringify(timings)}`);
  for (const p of [tess, theo]) await p.context().close();
});

test("no request of the trustees' pages held a key file or a secret", () => {
  assert.ok(keyFiles.length >= 11, "the key files were saved");
  assert.ok(sent.some(([url]) => url.includes("/ceremony/confirmation-2.json")), "the pages' uploads were recorded");
  for (const text of keyFiles) {
    const file = JSON.parse(text);
    for (const [url, body] of sent) {
      for (const part of [file.sealed, file.nonce, file.kdf.salt]) {
        assert.ok(!body.includes(part), `${url} sent a key file's ${part.slice(0, 16)}…`);
      }
    }
  }
  // No passphrase either (the sign-in form sends the account's password,
  // which is not a ceremony secret).
  for (const [url, body] of sent) {
    for (const pass of Object.values(PASS)) assert.ok(!body.includes(pass), `${url} sent a passphrase`);
  }
  // For the harness, which opens the key files and looks for their secrets.
  writeFileSync(join(OUT, "requests.json"), JSON.stringify(sent));
});

test("no page broke its Content-Security-Policy, ran injected script or threw", () => {
  assert.deepEqual(h.cspViolations, []);
  assert.deepEqual(h.pageErrors, []);
});
