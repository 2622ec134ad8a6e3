// What the browser test files share: one Chromium per file, pages that
// record CSP violations and script errors, axe-core's WCAG 2.1 AA rules,
// no message id shown as text, screenshots, the 360-px reflow check, and
// the steps a person takes on the pages (a refused form, the outbox's
// codes).

import assert from "node:assert/strict";
import { readFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 860 };

const AXE = readFileSync(new URL("node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
// The message ids of the pages' words (server/locales): none may show on a
// page, as text or in an attribute a person reads.
const MESSAGE_IDS = readFileSync(new URL("../../server/locales/en.ftl", import.meta.url), "utf8")
  .split("\n").map((l) => l.match(/^([a-z][a-z0-9_-]*) =/)?.[1]).filter(Boolean);

// A browser for one test file, with its screenshots in a clean folder
// `out` (the screenshots checked afterwards are this run's).
export class Harness {
  constructor(out) {
    this.out = out;
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    // Messages of the browser that say a page broke its
    // Content-Security-Policy, and uncaught errors in the pages' scripts.
    this.cspViolations = [];
    this.pageErrors = [];
  }

  async launch() {
    this.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  }

  async close() { await this.browser?.close(); }

  async page(viewport, locale = "en-GB", options = {}) {
    const context = await this.browser.newContext({ viewport, locale, acceptDownloads: true, ...options });
    const p = await context.newPage();
    p.on("pageerror", (e) => { this.pageErrors.push(`${p.url()}: ${e.message}`); });
    p.on("console", (m) => {
      if (m.text().includes("Content Security Policy")) this.cspViolations.push(`${p.url()}: ${m.text()}`);
    });
    // Confirmations are accepted; an alert would be injected script.
    p.on("dialog", (d) => {
      if (d.type() !== "confirm") this.cspViolations.push(`${p.url()}: a ${d.type()} dialog: ${d.message()}`);
      d.accept();
    });
    return p;
  }

  async shot(p, name) {
    await p.screenshot({ path: join(this.out, `${name}.png`), fullPage: true });
  }
}

export async function noRawKeys(p, what) {
  const shown = await p.evaluate(() => [document.title, document.body.innerText,
    ...[...document.querySelectorAll("[placeholder], [aria-label], [title], [alt]")]
      .flatMap((el) => ["placeholder", "aria-label", "title", "alt"].map((a) => el.getAttribute(a) ?? ""))].join("\n"));
  const raw = MESSAGE_IDS.filter((id) => new RegExp(`(^|[^\\w-])${id}($|[^\\w-])`).test(shown));
  assert.deepEqual(raw, [], `message ids shown as text on ${what}`);
}

// axe-core's WCAG 2.1 A and AA rules on the page as it is now (the page's
// context needs bypassCSP: axe is injected as a script).
export async function axe(p, what) {
  await noRawKeys(p, what);
  await p.addScriptTag({ content: AXE });
  const violations = await p.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
  });
  assert.deepEqual(violations, [], `WCAG violations on ${what}`);
}

// Nothing wider than the screen (WCAG reflow at 320-360 px).
export async function fitsWidth(p) {
  const [scroll, width] = await p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= width, `the page is ${scroll}px wide on a ${width}px screen`);
}

// Every visible form field has a label.
export async function labelled(p) {
  const unlabelled = await p.evaluate(() => [...document.querySelectorAll("input, select, textarea")]
    .filter((el) => el.type !== "hidden" && el.offsetParent !== null)
    .filter((el) => !(el.labels?.length || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")))
    .map((el) => el.id || el.name));
  assert.deepEqual(unlabelled, [], "fields without a label");
}

export async function checked(p, what) {
  await axe(p, what);
  await fitsWidth(p);
  await labelled(p);
}

// Sends a form that must be refused: wait until its error line says
// something, and return it.
export async function formError(p, form) {
  await p.click(`${form} button[type=submit]`);
  await p.waitForSelector(`${form} [data-error]:not(:empty)`);
  return p.textContent(`${form} [data-error]`);
}

// Takes the waiting messages out of the outbox with the committee page's
// button, and returns the downloaded CSV's text.
export async function outbox(p) {
  const [download] = await Promise.all([p.waitForEvent("download"), p.click("#outbox-form button[type=submit]")]);
  return readFileSync(await download.path(), "utf8");
}

// A member's one-time sign-in code, from the outbox (the committee's page).
export async function codeFor(p, contact) {
  const text = await outbox(p);
  const line = text.split("\n").find((l) => l.includes(contact) && /\b\d{8}\b/.test(l));
  assert.ok(line, `a message to ${contact} in the outbox: ${text}`);
  const code = line.match(/\b(\d{8})\b/);
  assert.ok(code, `a code in: ${line}`);
  return code[1];
}

// The booth: the code entered (never in an address the page asks for),
// and the number of candidates it offers.
export async function enterCode(p, url, code) {
  const asked = [];
  const record = (r) => asked.push(r.url());
  p.on("request", record);
  await p.goto(url);
  await p.fill("#code", code);
  // "Continue" waits for the booth's engine (the click waits until it is enabled).
  await p.click("#code-form button[type=submit]");
  await p.waitForSelector("#step-choose:not([hidden])");
  p.off("request", record);
  const bare = code.replace(/[^0-9A-Za-z]/g, "");
  assert.deepEqual(asked.filter((u) => u.includes(code) || u.includes(bare)), [], "the voting code in an address");
  return p.locator('#contests fieldset input[type="checkbox"]').count();
}

// The booth: choices (contest → candidate indices), reviewed and sealed.
export async function choose(p, picks) {
  for (const [contest, indices] of Object.entries(picks)) {
    for (const k of indices) await p.check(`#c${contest}-${k}`);
  }
  await p.click("#choose-form button[type=submit]");
  await p.waitForSelector("#step-review:not([hidden])");
  await p.click("#seal");
  await p.waitForSelector("#step-sealed:not([hidden])");
}

// The booth: cast, and the receipt's tracker (its signature checked).
export async function cast(p) {
  await p.click("#cast");
  await p.waitForSelector("#step-receipt:not([hidden])");
  const tracker = (await p.textContent("#receipt-tracker")).trim();
  assert.match(tracker, /^[0-9a-f]{64}$/);
  assert.ok((await p.textContent("#receipt-check")).length > 0, "the receipt's signature was checked");
  // Positions count from 1 for people: the receipt's is the board's row.
  const position = Number(await p.textContent("#receipt-position"));
  assert.ok(position >= 1, `position ${position}`);
  return tracker;
}

// A member signs in for the election titled `title` with the one-time code
// the committee's page takes out of the outbox.
export async function memberSignIn(m, committee, base, title, number, contact) {
  await m.goto(`${base}/member`);
  const value = await m.$$eval("#m-election option", (os, t) => os.find((o) => o.textContent.startsWith(t)).value, title);
  await m.selectOption("#m-election", value);
  await m.fill("#m-number", number);
  await m.click("#code-request button[type=submit]");
  await m.waitForSelector("#login-form:not([hidden])");
  await committee.reload();
  const code = await codeFor(committee, contact);
  await m.fill("#m-code", code);
  await m.click("#login-form button[type=submit]");
  await m.waitForSelector("#h-mine");
}

// The trustee page's steps (server/src/web/trustee.rs).

// From the election's page to the trustee page, at its first round.
export async function trusteePage(p, base, election) {
  await p.goto(`${base}/staff/elections/${election}`);
  await Promise.all([p.waitForNavigation(), p.click("#trustee-page")]);
  await p.waitForSelector("#step-make:not([hidden])");
}

let saved = 0;
// Downloads the key file the page offers into `dir`; its path.
export async function saveKey(p, dir, name) {
  await p.waitForSelector("#step-save:not([hidden])");
  const [d] = await Promise.all([p.waitForEvent("download"), p.click("#save-link")]);
  saved += 1;
  const path = join(dir, `${saved}-${name}`);
  await d.saveAs(path);
  return path;
}

// Chooses a saved key file and its passphrase in the page's check.
export async function checkKeyFile(p, path, pass) {
  await p.setInputFiles("#check-file", path);
  await p.fill("#check-pass", pass);
  await p.click("#check-form button[type=submit]");
}

// Round 1: the key made under `pass`, its file saved and reopened.
export async function makeKey(p, pass, dir, name) {
  await p.fill("#make-pass", pass);
  await p.fill("#make-again", pass);
  await p.click("#make-form button[type=submit]");
  const path = await saveKey(p, dir, `${name}-dealer.json`);
  await checkKeyFile(p, path, pass);
  await p.waitForSelector("#step-save", { state: "hidden" });
  return path;
}

// Round 3: the key share in a new key file, saved and reopened.
export async function keepShare(p, pass, dir, name) {
  const path = await saveKey(p, dir, `${name}-share.json`);
  await checkKeyFile(p, path, pass);
  await p.waitForSelector("#step-save", { state: "hidden" });
  return path;
}
