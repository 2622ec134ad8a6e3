// A committee's whole election from an empty database, on the pages only:
// started by tests/tests/acceptance.rs, which sets
//   VALURNA_URL          the server (an empty database; its schedule runs)
//   VALURNA_SETUP_TOKEN  the first-run page's token, as `valurna serve` prints it
//   VALURNA_BIN          the `valurna` command, for the trustees' steps
//   VALURNA_TRUSTEE_DIR  where the trustees keep their own folders
//   VALURNA_OUT          screenshots, and acceptance.json for the harness
//   CHROMIUM             the browser
//
// The tests run in order, as one story. No request is made outside the
// pages (no fetch, no API call of the test's own). Trustees 1 and 2 hold
// the key ceremony on their trustee pages, trustee 3 with the command line
// (`valurna trustee … --server`, which talks to the server's API as a
// trustee's own machine would); the decryption is by the command line.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { Harness, PHONE, DESKTOP, checked, formError, outbox, memberSignIn, enterCode, choose, cast,
  trusteePage, makeKey, keepShare } from "./harness.mjs";

const BASE = process.env.VALURNA_URL;
const TOKEN = process.env.VALURNA_SETUP_TOKEN;
const BIN = process.env.VALURNA_BIN;
const TRUSTEES = process.env.VALURNA_TRUSTEE_DIR;
const OUT = process.env.VALURNA_OUT ?? "acceptance";
assert.ok(BASE && TOKEN && BIN && TRUSTEES, "the harness names the server, the setup token, the command and a folder");
const h = new Harness(OUT);

before(() => h.launch());
after(() => h.close());

const TITLE = "Fullmäktigeval 2028";
const DISTRICTS = ["Norr", "Söder", "Väster"];
// The people, as the story makes them: name → password.
const people = {
  operator: "quiet harbour lantern",
  "ada.admin": "violet rowing compass",
  "kim.committee": "amber tidal meadow",
  trustee1: "granite willow ferry",
  trustee2: "copper thistle orbit",
  trustee3: "saffron glacier kettle",
};
// The browser trustees' passphrases for their key files.
const KEY_PASS = { 1: "lantern over the fjord", 2: "thistle copper evening" };
// The register: 300 members, 100 per district, each with an e-mail address.
const members = Array.from({ length: 300 }, (_, i) => ({
  number: String(1001 + i),
  first: `Medlem${i + 1}`,
  last: ["Berg", "Ek", "Lind", "Ström", "Åkesson"][i % 5],
  mail: `m${1001 + i}@example.se`,
  district: DISTRICTS[i % 3],
}));
const inDistrict = (d) => members.filter((m) => m.district === d);
let election;
// The committee's page, signed in, for the whole story.
let committee;
// What the members cast: district → candidate index → votes.
const expected = {};

async function signIn(viewport, username, locale) {
  const p = await h.page(viewport, locale, { bypassCSP: true });
  await p.goto(`${BASE}/staff`);
  await p.fill("#username", username);
  await p.fill("#password", people[username]);
  await Promise.all([p.waitForNavigation(), p.click("#staff-login button[type=submit]")]);
  await p.waitForSelector(".whoami");
  return p;
}

// An invitation link taken: the person chooses their name and password.
async function acceptInvitation(link, username, locale = "sv-SE") {
  const p = await h.page(PHONE, locale);
  await p.goto(link);
  await p.fill("#username", username);
  await p.fill("#password", people[username]);
  await Promise.all([p.waitForNavigation(), p.click("#invite-accept button[type=submit]")]);
  await p.context().close();
}

// Reloads the page until `selector` is on it, or the deadline passes: for
// what the server's schedule does at a set time.
async function reloadUntil(p, selector, deadline) {
  for (;;) {
    await p.reload();
    if (await p.locator(selector).count()) return;
    assert.ok(Date.now() < deadline, `${selector} on ${p.url()} by ${new Date(deadline).toISOString()}`);
    await p.waitForTimeout(1000);
  }
}

// `valurna …` as a trustee runs it on their own machine.
function valurna(args, password, env = {}) {
  return new Promise((resolve) => {
    execFile(BIN, args, { env: { ...process.env, VALURNA_PASSWORD: password, ...env }, timeout: 240_000 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, out: `${stdout}${stderr}` }));
  });
}

function trustee(step, n, more = [], env = {}) {
  const username = `trustee${n}`;
  return valurna(["trustee", step, "--server", BASE, "--election", String(election), "--username", username,
    "--dir", join(TRUSTEES, username), "--every", "0.3", ...more], people[username], env);
}
// The key files the browser trustees saved after the ceremony.
const shareFiles = {};
const dealerFiles = {};

test("the platform admin sets up the platform on an empty database with the setup token", async () => {
  const p = await h.page(PHONE, "sv-SE", { bypassCSP: true });
  await p.goto(`${BASE}/staff`);
  await p.waitForURL(`${BASE}/staff/setup`);
  await checked(p, "the first-run page (sv)");
  await h.shot(p, "setup-phone-sv");
  await p.fill("#token", TOKEN);
  await p.fill("#username", "operator");
  await p.fill("#password", people.operator);
  await Promise.all([p.waitForURL(`${BASE}/staff`), p.click("#setup-form button[type=submit]")]);
  await p.context().close();
});

test("the platform admin creates the organisation and invites its admin; the admin invites the committee and three trustees", async () => {
  const pa = await signIn(DESKTOP, "operator", "sv-SE");
  await Promise.all([pa.waitForNavigation(), pa.click("#organisation-link")]);
  await pa.fill("#org-name", "Konsumentföreningen Syd");
  await pa.fill("#org-slug", "coop-syd");
  await Promise.all([pa.waitForNavigation(), pa.click("#organisation-create button[type=submit]")]);
  const card = 'li[data-organisation="coop-syd"]';
  await pa.click(`${card} form[data-invite] button[type=submit]`);
  await pa.waitForSelector(`${card} [data-link]:not(:empty)`);
  await acceptInvitation((await pa.textContent(`${card} [data-link]`)).trim(), "ada.admin");
  await pa.context().close();

  const a = await signIn(DESKTOP, "ada.admin", "sv-SE");
  await Promise.all([a.waitForNavigation(), a.click("#organisation-link")]);
  let link = "";
  for (const [username, role] of [["kim.committee", "committee"], ["trustee1", "trustee"], ["trustee2", "trustee"], ["trustee3", "trustee"]]) {
    await a.selectOption("form[data-invite] select[name=role]", role);
    await a.click("form[data-invite] button[type=submit]");
    await a.waitForFunction((l) => {
      const t = document.querySelector("[data-link]")?.textContent.trim();
      return t && t !== l;
    }, link);
    link = (await a.textContent("[data-link]")).trim();
    await acceptInvitation(link, username);
  }
  await a.reload();
  assert.deepEqual(await a.$$eval("#invitations td[data-state]", (c) => c.map((x) => x.dataset.state)),
    ["used", "used", "used", "used", "used"], "every invitation was taken once");
  await a.context().close();
});

test("the committee builds an election with three districts and names its trustees", async () => {
  committee = await signIn(DESKTOP, "kim.committee", "sv-SE");
  const c = committee;
  await Promise.all([c.waitForNavigation(), c.click("#new-election")]);
  await c.fill("#title", TITLE);
  await c.fill("#election_id", "fullmaktige-2028");
  await c.fill("#trustees", "3");
  await c.fill("#threshold", "2");
  const rows = "#builder tbody[data-rows] tr[data-row]";
  for (let i = 1; i < DISTRICTS.length; i++) await c.click("button[data-add-row]");
  for (const [i, d] of DISTRICTS.entries()) {
    await c.fill(`${rows}:nth-child(${i + 1}) input[name="districts[].district"]`, d);
    await c.fill(`${rows}:nth-child(${i + 1}) input[name="districts[].seats"]`, "1");
  }
  await h.shot(c, "builder-desktop-sv");
  await Promise.all([c.waitForURL(/\/staff\/elections\/\d+$/), c.click("#builder button[type=submit]")]);
  election = Number(new URL(c.url()).pathname.split("/").pop());
  for (const n of ["1", "2", "3"]) {
    await c.selectOption("#trustee-index", n);
    await c.selectOption("#trustee-username", `trustee${n}`);
    await Promise.all([c.waitForNavigation(), c.click("#name-trustee button[type=submit]")]);
  }
  assert.match(await c.textContent("#trustee-list"), /1\. trustee1, 2\. trustee2, 3\. trustee3/);
});

test("the committee maps the register's own columns and imports 300 members", async () => {
  const c = committee;
  const header = "Medlemsnr;Förnamn;Efternamn;E-post;Telefon;Krets\n";
  const file = (list) => ({ name: "register.csv", mimeType: "text/csv",
    buffer: Buffer.from(header + list.map((m) => [m.number, m.first, m.last, m.mail, "", m.district].join(";")).join("\n") + "\n") });
  const map = async () => {
    await c.waitForSelector("[data-roll-columns]:not([hidden])");
    await c.selectOption("#col-number", "Medlemsnr");
    await c.selectOption("#col-name", "Förnamn");
    await c.selectOption("#col-name-2", "Efternamn");
    await c.selectOption("#col-contact", "E-post");
    await c.selectOption("#col-district", "Krets");
  };
  // A row in a district the election has not got: named, nothing imported.
  await c.setInputFiles("#roll-file", file([...members, { ...members[0], number: "9999", district: "Öster" }]));
  await map();
  await h.shot(c, "roll-columns-desktop-sv");
  await c.click("#roll-form button[type=submit]");
  await c.waitForSelector("#roll-form [data-error] li");
  assert.match(await c.textContent("#roll-form [data-error] li"), /^rad 302: valkretsen är inte en av valets valkretsar \(Norr, Söder, Väster\)/);
  await c.setInputFiles("#roll-file", file(members));
  await map();
  await c.click("#roll-form button[type=submit]");
  await c.waitForSelector("[data-roll-preview]:not([hidden])");
  assert.equal(await c.textContent('[data-count="added"]'), "300");
  await Promise.all([c.waitForNavigation(), c.click("[data-roll-apply]")]);
  for (const d of DISTRICTS) assert.equal(await c.textContent(`tr[data-district="${d}"] td:nth-of-type(2)`), "100", d);
});

test("nominations: members stand or propose each other, and the committee approves", async () => {
  const c = committee;
  await Promise.all([c.waitForNavigation(), c.click(`form[data-api="/api/elections/${election}/nominations/open"] button`)]);
  await c.waitForSelector("#outbox-form");
  // "Nominations are open" to all 300, taken out of the outbox.
  const opened = await outbox(c);
  assert.equal(opened.trim().split("\n").length - 1, 300, "a message per member");
  const m = await h.page(PHONE, "fi-FI");
  const [n1, n2] = inDistrict("Norr");
  // In Norr one member stands and proposes another, who accepts.
  await memberSignIn(m, c, BASE, TITLE, n1.number, n1.mail);
  for (const who of [n1, n2]) {
    await m.fill("#nominee", who.number);
    await Promise.all([m.waitForNavigation(), m.click("#h-propose ~ form button[type=submit]")]);
  }
  await Promise.all([m.waitForNavigation(), m.click('form[data-api="/api/member/logout"] button')]);
  await memberSignIn(m, c, BASE, TITLE, n2.number, n2.mail);
  await Promise.all([m.waitForNavigation(), m.click('form[data-json=\'{"accept":true}\'] button')]);
  await m.waitForSelector("li.card .status-accepted");
  await Promise.all([m.waitForNavigation(), m.click('form[data-api="/api/member/logout"] button')]);
  // In Söder and Väster two members each stand.
  for (const d of ["Söder", "Väster"]) {
    for (const who of inDistrict(d).slice(0, 2)) {
      await memberSignIn(m, c, BASE, TITLE, who.number, who.mail);
      await m.fill("#nominee", who.number);
      await Promise.all([m.waitForNavigation(), m.click("#h-propose ~ form button[type=submit]")]);
      await m.waitForSelector("li.card .status-accepted");
      await Promise.all([m.waitForNavigation(), m.click('form[data-api="/api/member/logout"] button')]);
    }
  }
  await m.context().close();
  await c.reload();
  const approve = 'form[data-json=\'{"approve":true}\'] button';
  while (await c.locator(approve).count()) {
    await Promise.all([c.waitForNavigation(), c.locator(approve).first().click()]);
  }
  for (const d of DISTRICTS) assert.equal(await c.textContent(`tr[data-district="${d}"] td:nth-of-type(5)`), "2", `approved in ${d}`);
  await h.shot(c, "nominations-committee-desktop-sv");
});

test("the committee fixes the ballot; the three trustees hold the key ceremony", async () => {
  const c = committee;
  await Promise.all([c.waitForNavigation(), c.click(`form[data-api="/api/elections/${election}/freeze"] button`)]);
  await c.waitForSelector("#h-ceremony");
  // The ceremony waits for all three trustees, by name, and says so.
  assert.equal(await c.getAttribute("#ceremony-standing", "data-round"), "1");
  assert.equal(await c.getAttribute("#ceremony-standing", "data-waiting"), "1,2,3");
  assert.match(await c.textContent("#ceremony-standing"), /Omgång 1 av 3: väntar på 1\. trustee1, 2\. trustee2, 3\. trustee3/);
  assert.match(await c.textContent("#h-ceremony ~ pre"), new RegExp(`valurna trustee ceremony --server \\S+ --election ${election} `));
  await checked(c, "the key ceremony's page, waiting (sv)");
  await h.shot(c, "ceremony-waiting-desktop-sv");
  // A wrong password and an account that is no trustee: each said, and
  // nothing done.
  const wrong = await valurna(["trustee", "ceremony", "--server", BASE, "--election", String(election), "--username", "trustee1",
    "--dir", join(TRUSTEES, "wrong"), "--every", "0.3"], "not the password");
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.out, /signing in as trustee1: .*\(bad_credentials\)/, wrong.out);
  const kim = await valurna(["trustee", "ceremony", "--server", BASE, "--election", String(election), "--username", "kim.committee",
    "--dir", join(TRUSTEES, "kim"), "--every", "0.3"], people["kim.committee"]);
  assert.notEqual(kim.code, 0);
  assert.match(kim.out, /kim\.committee is not a trustee of election/, kim.out);
  // Trustees 1 and 2 in their browsers, trustee 3 by the command line on
  // their own machine, all at once: each takes a round when it is due and
  // waits for the others.
  const pages = await Promise.all([1, 2].map((n) => signIn(n === 1 ? PHONE : DESKTOP, `trustee${n}`, "sv-SE")));
  await Promise.all(pages.map((p) => trusteePage(p, BASE, election)));
  await checked(pages[0], "the trustee page (sv, phone)");
  await h.shot(pages[0], "trustee-make-phone-sv");
  const cli = trustee("ceremony", 3);
  const inBrowser = pages.map(async (p, k) => {
    const n = k + 1;
    dealerFiles[n] = await makeKey(p, KEY_PASS[n], TRUSTEES, `trustee${n}`);
    shareFiles[n] = await keepShare(p, KEY_PASS[n], TRUSTEES, `trustee${n}`);
    await p.waitForFunction(() => /Nyckelceremonin är klar/.test(document.querySelector("#trustee-status").textContent));
  });
  const [r] = await Promise.all([cli, ...inBrowser]);
  assert.equal(r.code, 0, `trustee 3: ${r.out}`);
  assert.match(r.out, /every trustee confirmed: the key ceremony is complete/, r.out);
  assert.match(r.out, /waiting for the (announcements|shares|confirmations) of trustee/, "the command waited for the browsers, and said whom for");
  await h.shot(pages[1], "trustee-complete-desktop-sv");
  for (const p of pages) await p.context().close();
  await c.reload();
  assert.equal(await c.getAttribute("#ceremony-standing", "data-round"), "complete");
  assert.deepEqual(await c.$$eval("#ceremony-trustees tbody tr", (trs) => trs.map((tr) => tr.dataset.done)), ["3", "3", "3"]);
  assert.equal(await c.locator("#h-ceremony ~ details ul.files li").count(), 10, "the parameters and three files from each trustee");
  await h.shot(c, "ceremony-desktop-sv");
});

// A datetime-local value for instant `ms`, in this machine's time zone
// (the browser's too).
function localInput(ms) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

let closesAt;

test("the committee schedules voting to open and close a minute apart; the members vote while it is open", async () => {
  const c = committee;
  // The next whole minute at least 15 s away, and the one after.
  const opensAt = Math.ceil((Date.now() + 15_000) / 60_000) * 60_000;
  closesAt = opensAt + 60_000;
  await c.fill("#opens_at", localInput(opensAt));
  await c.fill("#closes_at", localInput(closesAt));
  await Promise.all([c.waitForNavigation(), c.click("#period-form button[type=submit]")]);
  assert.equal(await c.locator("#period-now time").count(), 2);
  await h.shot(c, "scheduled-desktop-sv");
  await c.waitForTimeout(Math.max(0, opensAt - Date.now()));
  await reloadUntil(c, ".status-open", opensAt + 20_000);

  // The voting codes go out; four members vote on their phones, in Finnish.
  const codes = await outbox(c);
  const codeOf = (who) => {
    const line = codes.split("\n").find((l) => l.includes(who.mail));
    const code = line?.match(/\b([0-9A-Z]{5}(?:-[0-9A-Z]{5}){3})\b/);
    assert.ok(code, `a voting code for ${who.mail} in: ${line}`);
    return code[1];
  };
  const voters = [[inDistrict("Norr")[10], 0], [inDistrict("Norr")[11], 0], [inDistrict("Söder")[10], 1], [inDistrict("Väster")[10], 0]];
  for (const [i, [who, pick]] of voters.entries()) {
    const p = await h.page(PHONE, "fi-FI");
    const candidates = await enterCode(p, `${BASE}/elections/${election}/vote`, codeOf(who));
    assert.equal(candidates, 2, `two candidates in ${who.district}`);
    const contest = await p.getAttribute("#contests fieldset", "data-contest");
    await choose(p, { [contest]: [pick] });
    await cast(p);
    if (i === 0) await h.shot(p, "booth-receipt-phone-fi");
    expected[who.district] ??= {};
    expected[who.district][pick] = (expected[who.district][pick] ?? 0) + 1;
    await p.context().close();
  }
  assert.ok(Date.now() < closesAt, "the members voted before the close");
});

test("at the close the trustees decrypt, and the result and the PDF protocol appear", async () => {
  const c = committee;
  // Two of the three trustees. Trustee 1 held the ceremony in the
  // browser and decrypts there, with the key file the page saved; the
  // page waits for the close by itself. Trustee 3 with the command line,
  // which waits too. Trustee 2's command refuses a wrong passphrase.
  const page = await signIn(DESKTOP, "trustee1", "sv-SE");
  await page.goto(`${BASE}/staff/elections/${election}/trustee`);
  const inBrowser = (async () => {
    await page.waitForSelector("#step-decrypt:not([hidden])", { timeout: Math.max(closesAt - Date.now(), 0) + 60_000 });
    assert.ok(Date.now() >= closesAt, "the page offers the decryption only after the close");
    await checked(page, "the trustee page, decrypting (sv)");
    // The round-1 key file is not the key share.
    await page.setInputFiles("#decrypt-file", dealerFiles[1]);
    await page.fill("#decrypt-pass", KEY_PASS[1]);
    await page.click("#decrypt-form button[type=submit]");
    await page.waitForSelector("#trustee-error:not(:empty)");
    assert.match(await page.textContent("#trustee-error"), /från en annan omgång/);
    await page.setInputFiles("#decrypt-file", shareFiles[1]);
    await page.fill("#decrypt-pass", KEY_PASS[1]);
    await page.click("#decrypt-form button[type=submit]");
    await page.waitForFunction(() => /Din dekryptering är uppladdad|Resultatet är publicerat/.test(document.querySelector("#trustee-status").textContent), null, { timeout: 120_000 });
    await h.shot(page, "trustee-decrypted-desktop-sv");
    const timings = await page.evaluate(() => window.valurnaTrustee.timings);
    console.log(`trustee page decryption (ms): ${JSON.stringify(timings)}`);
    return page.textContent("#trustee-status");
  })();
  const [said, wrong, three] = await Promise.all([
    inBrowser,
    valurna(["trustee", "decrypt", "--server", BASE, "--election", String(election), "--username", "trustee2",
      "--dir", join(TRUSTEES, "trustee2-wrong"), "--every", "0.3", "--key-file", shareFiles[2]],
    people.trustee2, { VALURNA_PASSPHRASE: "not the passphrase" }),
    trustee("decrypt", 3),
  ]);
  await page.context().close();
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.out, /the passphrase does not open this key file/, wrong.out);
  assert.equal(three.code, 0, three.out);
  // The second decryption in completed the tally, whichever it was.
  assert.ok(/completed the tally: the result is published/.test(three.out) || /Resultatet är publicerat/.test(said),
    `${three.out}\n${said}`);
  assert.ok(Date.now() >= closesAt, "nothing was decrypted before the close");
  await c.reload();
  await c.waitForSelector("#h-result");
  await h.shot(c, "result-committee-desktop-sv");
  const [d] = await Promise.all([c.waitForEvent("download"), c.click("#protocol-pdf")]);
  const pdf = readFileSync(await d.path());
  writeFileSync(join(OUT, d.suggestedFilename()), pdf);
  assert.equal(pdf.subarray(0, 5).toString("latin1"), "%PDF-");

  const p = await h.page(PHONE, "fi-FI", { bypassCSP: true });
  await p.goto(`${BASE}/elections/${election}/result`);
  const tables = await p.$$eval("section.contest", (sections) => sections.map((s) => ({
    district: s.querySelector("p").textContent,
    counts: [...s.querySelectorAll("table.result tbody tr")].map((tr) => Number(tr.querySelector("td.num").textContent)),
  })));
  assert.equal(tables.length, 3, "a result per district");
  for (const district of DISTRICTS) {
    const table = tables.find((t) => t.district.includes(district));
    assert.ok(table, `a result for ${district}`);
    table.counts.forEach((n, k) => assert.equal(n, expected[district]?.[k] ?? 0, `${district}, candidate ${k}`));
  }
  await checked(p, "the result (fi)");
  await h.shot(p, "result-phone-fi");
  await p.context().close();
  writeFileSync(join(OUT, "acceptance.json"), JSON.stringify({ election, expected }));
});

test("no page broke its Content-Security-Policy, ran injected script or threw", () => {
  assert.deepEqual(h.cspViolations, []);
  assert.deepEqual(h.pageErrors, []);
});
