// The voting booth. The engine, compiled to WebAssembly, encrypts and
// proves the ballot on this device; the server gets only the ballot.
// Steps: code → choose → review → sealed (cast | audit) → receipt.

import init, { Booth, check_audit, check_receipt } from "/static/pkg/valurna_booth.js";

const data = JSON.parse(document.getElementById("booth-data").textContent);
const S = data.strings;
const t = (key, vars = {}) => (S[key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? "");
const $ = (sel) => document.querySelector(sel);
const api = `/api/elections/${data.election}`;

const state = { booth: null, manifest: null, parameters: null, contests: [], sealed: null, timings: [] };
// For the browser tests and the benchmark: encryption times in ms.
window.valurnaBooth = state;

function status(text) { $("#booth-status").textContent = text ?? ""; }
function error(text) { $("#booth-error").textContent = text ?? ""; }

function show(step) {
  for (const s of document.querySelectorAll(".step")) s.hidden = s.id !== `step-${step}`;
  const h = $(`#step-${step} h2`);
  h?.focus();
}

async function bytes(url) {
  const res = await fetch(url, { credentials: "same-origin" });
  if (!res.ok) throw new Error(t("js-network"));
  return new Uint8Array(await res.arrayBuffer());
}

let ready = null;
function engine() {
  ready ??= (async () => {
    await init();
    [state.manifest, state.parameters] = await Promise.all([
      bytes(`${api}/manifest.json`), bytes(`${api}/parameters.json`),
    ]);
  })();
  return ready;
}

async function enterCode(event) {
  event.preventDefault();
  error(); status(t("js-loading"));
  const button = event.submitter; if (button) button.disabled = true;
  try {
    await engine();
    let booth;
    try { booth = new Booth(state.manifest, state.parameters, $("#code").value); }
    catch { error(t("js-bad_code")); return; }
    const res = await fetch(`${api}/credentials/${booth.credential}`, { credentials: "same-origin" });
    if (res.status === 404) { booth.free(); error(t("js-bad_code")); return; }
    if (!res.ok) throw new Error(t("js-network"));
    const { district } = await res.json();
    state.booth?.free();
    state.booth = booth;
    state.contests = data.contests.filter((c) => c.district === district && !c.ranked);
    $("#code").value = "";
    renderContests();
    show("choose");
  } catch (e) {
    error(e.message ?? String(e));
  } finally {
    status(); if (button) button.disabled = false;
  }
}

function renderContests() {
  const box = $("#contests");
  box.replaceChildren();
  for (const c of state.contests) {
    const fs = document.createElement("fieldset");
    fs.dataset.contest = c.index;
    const legend = document.createElement("legend");
    legend.textContent = c.title;
    const rule = document.createElement("p");
    rule.className = "help";
    rule.id = `rule-${c.index}`;
    rule.textContent = c.min > 0 ? t("js-choose_between", { min: c.min, max: c.max }) : t("js-choose_up_to", { max: c.max });
    const counter = document.createElement("p");
    counter.className = "counter";
    counter.id = `counter-${c.index}`;
    counter.setAttribute("aria-live", "polite");
    fs.append(legend, rule, counter);
    for (const k of c.candidates) {
      const row = document.createElement("div");
      row.className = "choice";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = `c${c.index}-${k.index}`;
      box.value = k.index;
      box.setAttribute("aria-describedby", `rule-${c.index}`);
      const label = document.createElement("label");
      label.htmlFor = box.id;
      // A candidate's name is isolated: a right-to-left name cannot
      // reorder the text around it.
      const name = document.createElement("bdi");
      name.textContent = k.name;
      label.append(name);
      row.append(box, label);
      if (k.presentation) {
        const d = document.createElement("details");
        const s = document.createElement("summary");
        const hidden = document.createElement("span");
        hidden.className = "sr-only";
        hidden.textContent = `: ${k.name}`;
        s.append(t("js-presentation"), hidden);
        const p = document.createElement("p");
        p.textContent = k.presentation;
        d.append(s, p);
        row.append(d);
        row.classList.add("has-presentation");
      }
      fs.append(row);
    }
    fs.addEventListener("change", () => enforce(fs, c));
    box.append(fs);
    enforce(fs, c);
  }
}

// At most `max`: when full, the unchosen boxes are disabled.
function enforce(fs, c) {
  const boxes = [...fs.querySelectorAll('input[type="checkbox"]')];
  const n = boxes.filter((b) => b.checked).length;
  for (const b of boxes) b.disabled = !b.checked && n >= c.max;
  const counter = fs.querySelector(".counter");
  counter.textContent = t("js-chosen", { n, max: c.max });
  counter.classList.toggle("full", n >= c.max);
}

function choices() {
  return state.contests.map((c) => ({
    contest: c.index,
    selected: [...document.querySelectorAll(`fieldset[data-contest="${c.index}"] input:checked`)].map((b) => Number(b.value)),
  }));
}

function review(event) {
  event.preventDefault();
  error();
  const chosen = choices();
  for (const [i, c] of state.contests.entries()) {
    if (chosen[i].selected.length < c.min) { error(t("js-too_few", { contest: c.title, min: c.min })); return; }
  }
  const box = $("#review");
  box.replaceChildren();
  for (const [i, c] of state.contests.entries()) {
    const h = document.createElement("h3");
    h.textContent = c.title;
    const ul = document.createElement("ul");
    const names = chosen[i].selected.map((k) => c.candidates[k].name);
    for (const n of names.length ? names : [t("js-blank")]) {
      const li = document.createElement("li");
      li.dir = "auto";
      li.textContent = n;
      ul.append(li);
    }
    box.append(h, ul);
  }
  show("review");
}

function seal() {
  error();
  try {
    const input = JSON.stringify(choices());
    const t0 = performance.now();
    const sealed = JSON.parse(state.booth.encrypt(input));
    const ms = performance.now() - t0;
    state.timings.push(ms);
    state.sealed = sealed;
    $("#sealed-tracker").textContent = sealed.short_tracker;
    $("#sealed-timing").textContent = t("js-encrypted_in", { ms: ms.toFixed(1) });
    show("sealed");
  } catch (e) {
    error(e.message ?? String(e));
  }
}

function fileLink(a, name, text) {
  if (a.href.startsWith("blob:")) URL.revokeObjectURL(a.href);
  a.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  a.download = name;
}

async function cast() {
  error(); status(t("js-working"));
  const button = $("#cast"); button.disabled = true;
  try {
    const sealed = state.sealed;
    const ballot = state.booth.ballot();
    const res = await fetch(`${api}/ballots`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ballot }), credentials: "same-origin",
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) { error(`${t("js-cast_failed")} ${body.message ?? res.status}`); show("code"); return; }
    check_receipt(state.parameters, JSON.stringify(body), sealed.tracker);
    $("#receipt-check").textContent = t("js-receipt_ok");
    $("#receipt-short").textContent = sealed.short_tracker;
    $("#receipt-tracker").textContent = body.tracker;
    // People count from 1.
    $("#receipt-position").textContent = body.position + 1;
    fileLink($("#receipt-save"), `valurna-receipt-${sealed.short_tracker}.json`, JSON.stringify(body, null, 2));
    $("#receipt-find").href = `/elections/${data.election}/track?tracker=${body.tracker}`;
    state.sealed = null;
    state.booth.free(); state.booth = null;
    show("receipt");
  } catch (e) {
    error(`${t("js-cast_failed")} ${e.message ?? e}`);
  } finally {
    status(); button.disabled = false;
  }
}

function audit() {
  error();
  const out = $("#audit-outcome");
  out.replaceChildren();
  const revealed = state.booth.audit();
  state.sealed = null;
  $("#audit-data").textContent = JSON.stringify(JSON.parse(revealed), null, 2);
  fileLink($("#audit-save"), "valurna-audit.json", revealed);
  const p = document.createElement("p");
  try {
    const names = JSON.parse(check_audit(state.manifest, state.parameters, revealed));
    p.className = "notice good";
    p.dataset.audit = "ok";
    p.textContent = t("js-audit_ok");
    out.append(p);
    for (const [title, chosen] of names) {
      const h = document.createElement("h3");
      h.textContent = title;
      const ul = document.createElement("ul");
      for (const n of chosen.length ? chosen : [t("js-blank")]) {
        const li = document.createElement("li");
        li.textContent = n;
        ul.append(li);
      }
      out.append(h, ul);
    }
  } catch (e) {
    p.className = "notice bad";
    p.dataset.audit = "bad";
    p.textContent = `${t("js-audit_bad")} (${e.message ?? e})`;
    out.append(p);
  }
  show("audit");
}

// After an audit the member chooses again (the same booth, new nonces).
function again() {
  for (const b of document.querySelectorAll("#contests input")) b.checked = false;
  for (const fs of document.querySelectorAll("#contests fieldset")) {
    enforce(fs, state.contests.find((c) => String(c.index) === fs.dataset.contest));
  }
  show("choose");
}

if (data.open) {
  $("#code-form").addEventListener("submit", enterCode);
  $("#choose-form").addEventListener("submit", review);
  $("#change").addEventListener("click", () => show("choose"));
  $("#seal").addEventListener("click", seal);
  $("#cast").addEventListener("click", cast);
  $("#audit").addEventListener("click", audit);
  $("#again").addEventListener("click", again);
  // "Continue" works once the engine has loaded; if it cannot load, say so.
  status(t("js-loading"));
  engine().then(() => { status(); $("#code-form button[type=submit]").disabled = false; })
    .catch((e) => {
      // Say so; "Continue" then tries to load it again.
      ready = null;
      status(); error(`${t("js-load_failed")} (${e.message ?? e})`);
      $("#code-form button[type=submit]").disabled = false;
    });
}
