// A trustee's key ceremony in the browser. The engine, compiled to
// WebAssembly, holds the trustee's secret (TrusteeKey); this script only
// moves public files between the server and the engine, and the key file
// (sealed in the engine under the trustee's passphrase) to the trustee's
// disk and back. Rounds: 1 announce, 2 deal, 3 check the shares dealt to
// this trustee and confirm or complain. A round is taken as soon as it
// is due: the page follows the ceremony's standing until it completes.

import init, { TallyCheck, TrusteeKey } from "/static/pkg/valurna_booth.js";

const data = JSON.parse(document.getElementById("trustee-data").textContent);
const S = JSON.parse(document.getElementById("page-strings").textContent);
const t = (key, vars = {}) => (S[key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? "");
const $ = (sel) => document.querySelector(sel);
const api = `/api/elections/${data.election}`;
const me = data.index;
const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

const state = {
  key: null,        // the TrusteeKey, once made or opened
  params: null,     // ceremony-params.json's bytes
  busy: false,      // a round or a save is under way
  saving: null,     // resolves once the trustee has reopened the key file saved
  pending: null,    // a round's file made but not uploaded yet (retried alone)
  refused: 0,       // a round the engine refused: not taken again by itself
  decrypted: false, // this visit's decryption is uploaded
  passphrase: null, // typed in this visit: the share's key file is sealed under it too
  last: "",         // the standing last shown
  ceremony: null,   // the ceremony id this visit began in
  timings: {},      // ms per step, for the tests and the benchmark
};
// For the browser tests and the benchmark: the timings only (never the
// key or the passphrase).
window.valurnaTrustee = { timings: state.timings };

const who = (list) => list.map((i) => {
  const n = data.names.find((x) => x.index === i);
  return n ? `${i}. ${n.username}` : `${i}`;
}).join(", ");

function status(text) { $("#trustee-status").textContent = text ?? ""; }
function error(text) {
  const box = $("#trustee-error");
  box.textContent = text ?? "";
  if (text) box.focus();
}
function show(step) {
  for (const s of document.querySelectorAll(".step")) s.hidden = s.id !== `step-${step}`;
  if (step) $(`#step-${step} h2`)?.focus();
}
// An error of the engine: `code: detail`, shown in the trustee's language.
function engineError(e) {
  // fetch's own failure: no answer from the server.
  if (e instanceof TypeError) return t("js-network");
  const text = String(e?.message ?? e);
  const at = text.indexOf(": ");
  const code = at < 0 ? text : text.slice(0, at);
  const key = `js-key_${code}`;
  return S[key] ? t(key, { detail: text.slice(at + 2) }) : text;
}

async function call(method, path, body) {
  const headers = { "X-CSRF-Token": csrf };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body, credentials: "same-origin" });
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    let code = "";
    try { ({ message = message, error: code = "" } = await res.json()); } catch { /* not JSON */ }
    const e = new Error(message); e.status = res.status; e.code = code;
    throw e;
  }
  return res;
}

// Every file of the ceremony, as the engine reads them: name → content.
async function ceremonyFiles() {
  const list = await (await call("GET", `${api}/ceremony`)).json();
  const files = {};
  await Promise.all(list.map(async (f) => {
    files[f.name] = await (await call("GET", `${api}/ceremony/${encodeURIComponent(f.name)}`)).text();
  }));
  return files;
}

// The ceremony this visit began in is still the one under way: after a
// restart the page starts afresh rather than upload for the old run.
async function sameCeremony() {
  const s = await (await call("GET", `${api}/ceremony-standing`)).json();
  if (state.ceremony && s.ceremony_id !== state.ceremony) { location.reload(); return false; }
  return true;
}

// Uploads a round's file; kept as pending until the server has it, so
// that a failed upload is retried alone, never the round made again.
async function upload(u) {
  state.pending = u;
  if (!await sameCeremony()) return;
  const path = `${api}/ceremony/${encodeURIComponent(u.name)}`;
  try {
    await call("PUT", path, u.content);
  } catch (e) {
    if (e.code !== "already_uploaded") throw e;
    // Uploaded before (another tab, an earlier visit): only the very same
    // file will do.
    const there = await (await call("GET", path)).text();
    if (there !== u.content) { state.pending = null; throw new Error(`other_upload: ${u.name}`); }
  }
  state.pending = null;
}

async function params() {
  state.params ??= new Uint8Array(await (await call("GET", `${api}/ceremony/ceremony-params.json`)).arrayBuffer());
  return state.params;
}

function timed(step, f) {
  const t0 = performance.now();
  const out = f();
  state.timings[step] = Math.round(performance.now() - t0);
  return out;
}

// The key file of the key held, to download; resolves once the trustee
// has opened their saved copy.
function saveKey(passphrase) {
  const bytes = timed(`seal_${state.key.kind}`, () => state.key.seal(passphrase));
  const a = $("#save-link");
  if (a.href.startsWith("blob:")) URL.revokeObjectURL(a.href);
  a.href = URL.createObjectURL(new Blob([bytes], { type: "application/json" }));
  a.download = `valurna-key-${data.election}-trustee-${me}-${state.key.kind}.json`;
  $("#check-form").reset();
  show("save");
  return new Promise((resolve) => { state.saving = resolve; });
}

async function checkSaved(event) {
  event.preventDefault();
  error();
  const file = $("#check-file").files[0];
  if (!file) { error(t("js-choose_file")); return; }
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    timed("check", () => state.key.check(bytes, $("#check-pass").value));
  } catch (e) { error(engineError(e)); return; }
  $("#check-form").reset();
  status(t("js-trustee_checked"));
  const done = state.saving; state.saving = null;
  show(null);
  done?.();
}

async function make(event) {
  event.preventDefault();
  error();
  const pass = $("#make-pass").value;
  if (pass !== $("#make-again").value) { error(t("js-trustee_mismatch")); return; }
  if ([...pass].length < 12) { error(t("js-key_short_passphrase")); return; }
  if (state.busy || state.key) return;
  state.busy = true;
  try {
    const key = timed("announce", () => TrusteeKey.announce(state.params, me));
    state.key = key;
    const announcement = JSON.parse(key.announcement());
    state.passphrase = pass;
    $("#make-form").reset();
    await saveKey(pass);
    await upload(announcement);
  } catch (e) { error(engineError(e)); } finally { state.busy = false; }
  follow();
}

async function open(event) {
  event.preventDefault();
  error();
  const file = $("#open-file").files[0];
  if (!file) { error(t("js-choose_file")); return; }
  if (state.busy) return;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    state.key?.free();
    const pass = $("#open-pass").value;
    state.key = timed("open", () => TrusteeKey.open(state.params, me, "dealer", bytes, pass));
    state.passphrase = pass;
  } catch (e) { state.key = null; error(engineError(e)); return; }
  $("#open-form").reset();
  status(t("js-trustee_opened"));
  show(null);
  follow();
}

// Takes this trustee's round `round` (2 or 3).
async function take(round) {
  state.busy = true;
  status(t("js-trustee_working", { round }));
  try {
    const files = JSON.stringify(await ceremonyFiles());
    if (round === 2) {
      await upload(JSON.parse(timed("deal", () => state.key.deal(files))));
    } else {
      const answer = JSON.parse(timed("receive", () => state.key.receive(files)));
      if (answer.accused.length) {
        await upload(answer);
        error(t("js-trustee_complained", { who: who(answer.accused) }));
      } else {
        // The share's key file first: a confirmed trustee can reopen it.
        const saved = saveKey(state.passphrase);
        status(t("js-trustee_share_saved"));
        await saved;
        state.passphrase = null;
        await upload(answer);
      }
    }
  } catch (e) {
    error(engineError(e));
    // The engine's refusal stands until something changes (a restart):
    // the round is not taken again by itself; a failed upload is retried.
    if (!state.pending) state.refused = round;
  } finally { state.busy = false; }
}

let timer = null;
async function refreshTable() {
  try {
    const html = await (await call("GET", location.pathname)).text();
    const fresh = new DOMParser().parseFromString(html, "text/html").querySelector("#ceremony-live");
    if (fresh) $("#ceremony-live").replaceChildren(...fresh.childNodes);
  } catch { /* the table waits for the next look */ }
}

async function follow() {
  clearTimeout(timer);
  if (state.busy || state.saving) return;
  let s;
  try { s = await (await call("GET", `${api}/ceremony-standing`)).json(); }
  catch { status(t("js-network")); timer = setTimeout(follow, 3000); return; }
  // The committee restarted the ceremony: this visit's key and numbers
  // are of the old one, so the page starts afresh.
  state.ceremony ??= s.ceremony_id;
  if (s.ceremony_id !== state.ceremony) { location.reload(); return; }
  const shown = JSON.stringify(s);
  if (shown !== state.last) { state.last = shown; refreshTable(); }
  const again = (ms = 1500) => { timer = setTimeout(follow, ms); };
  if (state.pending) {
    try { await upload(state.pending); } catch (e) { error(engineError(e)); again(5000); return; }
  }
  if (s.status === "draft" || s.status === "nominations") { status(t("js-trustee_wait_freeze")); again(); return; }
  if (s.status === "open") { status(t("js-trustee_voting")); show(null); again(); return; }
  if (s.status === "closed") {
    // Shown once: the poll goes on (for the result) without taking the
    // focus from the form.
    if (!state.decrypted && $("#step-decrypt").hidden) { show("decrypt"); $("#decrypt-form button").disabled = false; }
    again(5000);
    return;
  }
  if (s.status === "tallied") { status(t("js-trustee_tallied")); show(null); return; }
  if (s.status !== "ceremony") { status(t("js-trustee_over")); show(null); return; }
  if (s.faults.length) {
    // Until the committee restarts the ceremony without them.
    status(t("js-trustee_stopped", { who: who(s.faults.map((f) => f.trustee)) }));
    show(null);
    again();
    return;
  }
  if (s.complained.length) { status(t("js-trustee_stopped", { who: who(s.complained) })); again(); return; }
  if (s.round === 4) { status(t("js-trustee_complete")); show(null); again(5000); return; }
  await params();
  const mine = s.done[me - 1];
  if (mine === 0) {
    if (!state.key) { show("make"); $("#make-form button").disabled = false; return; }
    // Made, its upload retried above: wait for the server to list it.
    again();
    return;
  }
  if (mine < 3 && !state.key) {
    show("open"); $("#open-form button").disabled = false;
    status(t("js-trustee_waiting", { round: s.round, who: who(s.waiting) }));
    return;
  }
  // Due: this trustee has done as few rounds as anyone.
  if (mine + 1 === s.round && state.key && mine < 3 && state.refused !== s.round) {
    await take(s.round);
    return follow();
  }
  status(t("js-trustee_waiting", { round: s.round, who: who(s.waiting) }));
  again();
}

async function recordFile(name) {
  return new Uint8Array(await (await call("GET", `${api}/record/${name}`)).arrayBuffer());
}

// Streams board.jsonl into the check, saying how far it is.
async function streamBoard(check) {
  const res = await call("GET", `${api}/record/board.jsonl`);
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    check.board(value);
    status(t("js-trustee_checking", { done: check.entries }));
  }
}

// After the close: the record checked in this browser, then the trustee's
// partial decryption with proofs, uploaded.
async function decrypt(event) {
  event.preventDefault();
  error();
  const file = $("#decrypt-file").files[0];
  if (!file) { error(t("js-choose_file")); return; }
  if (state.busy || state.decrypted) return;
  state.busy = true;
  let key = null;
  let check = null;
  try {
    await params();
    const bytes = new Uint8Array(await file.arrayBuffer());
    key = timed("open_share", () => TrusteeKey.open(state.params, me, "share", bytes, $("#decrypt-pass").value));
    $("#decrypt-form").reset();
    const t0 = performance.now();
    const setup = await Promise.all(["manifest.json", "parameters.json", "ceremony.json", "credentials.jsonl"].map(recordFile));
    check = new TallyCheck(...setup);
    status(t("js-trustee_checking", { done: 0 }));
    await streamBoard(check);
    if (check.superseded() > 0) await streamBoard(check);
    const ballots = check.entries;
    check.finish(await recordFile("board_seal.json"), await recordFile("tally.json"));
    state.timings.check_record = Math.round(performance.now() - t0);
    state.timings.board_entries = ballots;
    const share = timed("decrypt", () => check.decrypt(key));
    const answer = await (await call("POST", `${api}/decryptions`, share)).json();
    state.decrypted = true;
    show(null);
    status(answer.tallied ? t("js-trustee_tallied")
      : t("js-trustee_decrypted", { have: answer.valid_shares, need: answer.threshold }));
  } catch (e) {
    error(engineError(e));
  } finally {
    key?.free();
    check?.free();
    state.busy = false;
  }
}

$("#make-form").addEventListener("submit", make);
$("#decrypt-form").addEventListener("submit", decrypt);
$("#check-form").addEventListener("submit", checkSaved);
$("#open-form").addEventListener("submit", open);

(async () => {
  try { await init(); } catch { error(t("js-network")); return; }
  follow();
})();
