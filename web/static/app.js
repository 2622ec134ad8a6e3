// Valurna's forms: a form with data-api is sent to the JSON API with the
// session's CSRF token, and its answer is shown in the page. Also the live
// turnout chart and the tally's progress. Pages that only read work
// without this script.
//
// Form attributes:
//   data-api="/api/…"      where to send it        data-method="POST|PUT"
//   data-json='{"k":v}'    fixed fields merged into the JSON body
//   data-raw="file"        send the file input's bytes as the body instead
//   data-raw-type="…"      the raw body's Content-Type (default text/csv)
//   data-confirm           ask first
//   data-reveal-on="error:#id"  when the API answers that error code, show
//                          the hidden #id in the form and focus its input
//   data-done="reload" | "go:/path" | "message" | "reveal:#id" |
//             "download:name" | "roll" | "link:#id" (show body.path as
//             a whole address in #id's [data-link])
// Inputs: data-type="int" sends a number; data-share="k" remembers the
// value for a later form's hidden input with data-from="k".

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";
// The page's words for this script, in the page's language.
const S = JSON.parse(document.getElementById("page-strings")?.textContent ?? "{}");
const t = (key, vars = {}) => (S[key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? "");
const shared = {};

function errorText(body, status) {
  if (body && typeof body === "object" && body.message) return body.message;
  return `HTTP ${status}`;
}

function showError(form, body, status) {
  const box = form.querySelector("[data-error]") ?? form.parentElement.querySelector("[data-error]");
  if (!box) { alert(errorText(body, status)); return; }
  box.textContent = errorText(body, status);
  const rows = body?.details?.rows;
  if (Array.isArray(rows) && rows.length) {
    const ul = document.createElement("ul");
    for (const r of rows.slice(0, 200)) {
      const li = document.createElement("li");
      li.textContent = t("js-line", { line: r.line, message: r.message });
      ul.append(li);
    }
    box.append(ul);
  }
  box.focus?.();
}

function jsonBody(form) {
  const rows = new Map();
  const body = form.dataset.json ? JSON.parse(form.dataset.json) : {};
  for (const el of form.elements) {
    if (!el.name || el.type === "submit" || el.type === "file") continue;
    let v = el.dataset.from ? shared[el.dataset.from] : el.value;
    if (el.type === "checkbox") v = el.checked;
    // A local date and time, sent as an instant (RFC 3339, UTC).
    else if (el.dataset.type === "datetime") v = v ? new Date(v).toISOString() : null;
    else if (el.dataset.type === "int") v = Number.parseInt(v, 10);
    if (el.dataset.share) shared[el.dataset.share] = v;
    // `list[].field` inputs in rows (data-row) make a list of objects.
    const item = el.name.match(/^(\w+)\[\]\.(\w+)$/);
    if (item) {
      const row = el.closest("[data-row]");
      const list = (body[item[1]] ??= []);
      let entry = list.find((e) => rows.get(e) === row);
      if (!entry) { entry = {}; rows.set(entry, row); list.push(entry); }
      entry[item[2]] = v;
    } else {
      body[el.name] = v;
    }
  }
  return JSON.stringify(body);
}

async function send(form, extraQuery = "") {
  const headers = { "X-CSRF-Token": csrf() };
  let body;
  if (form.dataset.raw) {
    const file = form.elements[form.dataset.raw]?.files?.[0];
    if (!file) throw { message: t("js-choose_file") };
    body = await file.arrayBuffer();
    headers["Content-Type"] = form.dataset.rawType ?? "text/csv";
  } else {
    body = jsonBody(form);
    headers["Content-Type"] = "application/json";
  }
  const query = [extraQuery.replace(/^\?/, ""), rollColumnsQuery(form)].filter(Boolean).join("&");
  const res = await fetch(form.dataset.api + (query ? `?${query}` : ""), {
    method: form.dataset.method ?? "POST", headers, body, credentials: "same-origin",
  });
  return res;
}

async function readBody(res) {
  const type = res.headers.get("content-type") ?? "";
  if (type.includes("application/json")) return res.json();
  return res.blob();
}

function download(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
}

async function onSubmit(event) {
  const form = event.target.closest("form[data-api]");
  if (!form) return;
  event.preventDefault();
  if (form.dataset.confirm !== undefined && !window.confirm(form.dataset.confirm || t("js-confirm"))) return;
  const button = form.querySelector('button[type="submit"]');
  if (button) button.disabled = true;
  const error = form.querySelector("[data-error]");
  if (error) error.textContent = "";
  try {
    const res = await send(form);
    const body = await readBody(res);
    if (!res.ok) { reveal(form, body); showError(form, body, res.status); return; }
    await done(form, body);
  } catch (e) {
    showError(form, e, 0);
  } finally {
    if (button) button.disabled = false;
  }
}

// A part of the form asked for by the answer (a sign-in's code field).
function reveal(form, body) {
  const [code, selector] = (form.dataset.revealOn ?? "").split(":");
  if (!code || body?.error !== code) return;
  const part = form.querySelector(selector);
  if (!part) return;
  part.hidden = false;
  const input = part.querySelector("input");
  if (input) { input.required = true; queueMicrotask(() => input.focus()); }
}

async function done(form, body) {
  const how = form.dataset.done ?? "reload";
  if (how === "reload") { location.reload(); return; }
  if (how.startsWith("go:")) { location.assign(how.slice(3)); return; }
  if (how.startsWith("go-id:")) { location.assign(how.slice(6) + encodeURIComponent(body.id)); return; }
  if (how.startsWith("download:")) { download(body, how.slice(9)); return; }
  if (how.startsWith("reveal:")) {
    form.querySelector("[data-done-message]")?.removeAttribute("hidden");
    const next = document.querySelector(how.slice(7));
    next?.removeAttribute("hidden");
    next?.querySelector("input:not([type=hidden])")?.focus();
    return;
  }
  if (how.startsWith("link:")) {
    // A link shown once (an invitation): the whole address, selected.
    const box = document.querySelector(how.slice(5));
    const out = box?.querySelector("[data-link]");
    if (out) out.textContent = new URL(body.path, location.origin).href;
    box?.removeAttribute("hidden");
    form.reset();
    return;
  }
  if (how === "roll") { showRoll(form, body); return; }
  form.querySelector("[data-done-message]")?.removeAttribute("hidden");
}

// The roll import: a preview first; "Import it" sends the same file with
// ?apply=DIGEST.
function showRoll(form, body) {
  const box = form.querySelector("[data-roll-preview]");
  for (const k of ["added", "removed", "changed", "unchanged"]) {
    const el = box.querySelector(`[data-count="${k}"]`);
    if (el) el.textContent = body[k];
  }
  const tbody = box.querySelector("[data-roll-rows]");
  if (tbody) {
    tbody.replaceChildren();
    for (const r of body.rows ?? []) {
      const tr = document.createElement("tr");
      for (const v of [r.line, r.member_number, r.name, r.contact, r.district]) {
        const td = document.createElement("td");
        td.textContent = v;
        tr.append(td);
      }
      tbody.append(tr);
    }
  }
  box.hidden = false;
  const apply = box.querySelector("[data-roll-apply]");
  if (body.applied) { location.reload(); return; }
  apply.onclick = async () => {
    apply.disabled = true;
    try {
      const res = await send(form, `?apply=${encodeURIComponent(body.digest)}`);
      const answer = await readBody(res);
      if (!res.ok) { showError(form, answer, res.status); return; }
      location.reload();
    } finally { apply.disabled = false; }
  };
  apply.focus();
}

// The register's own columns: when the chosen file's header is not the
// roll's four columns, the committee says which column is which. The
// choice starts from the organisation's last import, else from the titles.
const ROLL_COLUMNS = ["member_number", "name", "contact", "district"];
const GUESSES = {
  member_number: ["member_number", "medlemsnummer", "medlemsnr", "medlnr", "jäsennumero", "jäsennro", "member number", "membership number", "nr", "id"],
  name: ["name", "namn", "navn", "nimi", "förnamn", "fornavn", "etunimi", "first name", "firstname"],
  "name+": ["efternamn", "etternavn", "efternavn", "sukunimi", "last name", "lastname", "surname"],
  contact: ["contact", "e-post", "epost", "email", "e-mail", "sähköposti", "mail"],
  "contact+": ["mobil", "mobiltelefon", "mobilnummer", "telefon", "phone", "mobile", "puhelin", "matkapuhelin"],
  district: ["district", "krets", "distrikt", "kreds", "piiri", "avdelning", "område", "region", "workplace", "arbetsplats"],
};

// The header line's fields, as the server reads them (CSV, `;` when the
// line has `;` and no `,`).
function headerFields(text) {
  const line = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/).find((l) => l.trim() !== "") ?? "";
  const sep = line.includes(";") && !line.includes(",") ? ";" : ",";
  const fields = [];
  let field = "", quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) { fields.push(field.trim()); field = ""; }
    else field += c;
  }
  fields.push(field.trim());
  return fields.filter((f) => f !== "");
}

async function chooseRollColumns(form) {
  const box = form.querySelector("[data-roll-columns]");
  const preview = form.querySelector("[data-roll-preview]");
  if (preview) preview.hidden = true;
  const file = form.elements.file?.files?.[0];
  const selects = [...box.querySelectorAll("select[data-column]")];
  // Hidden choices are not asked for.
  box.hidden = true;
  for (const sel of selects) sel.required = false;
  if (!file) return;
  let titles;
  try {
    titles = headerFields(await file.slice(0, 65536).text());
  } catch {
    showError(form, { message: t("js-roll_unreadable") }, 0);
    return;
  }
  const folded = titles.map((x) => x.toLowerCase());
  const own = folded.length === 4 && ROLL_COLUMNS.every((c) => folded.includes(c));
  if (own || titles.length === 0) return;
  let saved = {};
  try { saved = JSON.parse(form.dataset.savedColumns || "{}") ?? {}; } catch { saved = {}; }
  const has = (title) => title && folded.includes(title.trim().toLowerCase());
  const pick = (guesses) => titles.find((x) => guesses.includes(x.toLowerCase())) ?? "";
  const seen = {};
  for (const sel of selects) {
    const field = sel.dataset.column;
    const nth = (seen[field] = (seen[field] ?? -1) + 1);
    sel.replaceChildren(sel.options[0]);
    sel.required = sel.dataset.optional === undefined;
    for (const title of titles) sel.append(new Option(title, title));
    const fromSaved = Array.isArray(saved[field]) ? saved[field][nth] : nth === 0 ? saved[field] : undefined;
    sel.value = has(fromSaved) ? titles[folded.indexOf(fromSaved.trim().toLowerCase())]
      : pick(GUESSES[nth === 0 ? field : `${field}+`] ?? []);
  }
  box.hidden = false;
  selects[0]?.focus();
}

// `columns=…` for the import when the file has its own columns.
function rollColumnsQuery(form) {
  const box = form.querySelector("[data-roll-columns]");
  if (!box || box.hidden) return "";
  const map = { member_number: "", name: [], contact: [], district: "" };
  for (const sel of box.querySelectorAll("select[data-column]")) {
    const field = sel.dataset.column;
    if (!sel.value) continue;
    if (Array.isArray(map[field])) map[field].push(sel.value); else map[field] = sel.value;
  }
  return `columns=${encodeURIComponent(JSON.stringify(map))}`;
}

document.addEventListener("change", (event) => {
  const form = event.target.closest?.("form[data-saved-columns]");
  if (!form) return;
  if (event.target.type === "file") chooseRollColumns(form);
  // Another choice of columns needs a new preview.
  else if (event.target.matches("select[data-column]")) {
    const preview = form.querySelector("[data-roll-preview]");
    if (preview) preview.hidden = true;
  }
});

// A message's preview: the form's subject and text with the placeholders
// filled in as a member would read them.
function previews() {
  const values = JSON.parse(document.getElementById("preview-values")?.textContent ?? "{}");
  const links = JSON.parse(document.getElementById("preview-links")?.textContent ?? "{}");
  for (const form of document.querySelectorAll("form[data-preview]")) {
    const own = { ...values, link: links[form.dataset.preview] ?? "" };
    const fill = (text) => text.replace(/\{(\w+)\}/g, (m, k) => (k in own ? own[k] : m));
    const show = () => {
      form.querySelector("[data-preview-subject]").textContent = fill(form.elements.subject.value);
      form.querySelector("[data-preview-body]").textContent = fill(form.elements.body.value);
    };
    show();
    form.addEventListener("input", show);
  }
}
previews();

// Live turnout: refresh the chart's bars and figures every 5 s.
function liveTurnout() {
  for (const box of document.querySelectorAll("[data-live-turnout]")) {
    const tick = async () => {
      try {
        const res = await fetch(box.dataset.liveTurnout, { credentials: "same-origin" });
        if (!res.ok) return;
        for (const d of await res.json()) {
          const pct = d.eligible ? (d.voted * 100) / d.eligible : 0;
          const li = box.querySelector(`li[data-key="${CSS.escape(d.district)}"]`);
          if (li) {
            const meter = li.querySelector("meter");
            meter.max = Math.max(d.eligible, 1);
            meter.value = d.voted;
            li.querySelector(".value").textContent = d.voted;
            li.querySelector(".of").textContent = d.eligible;
            const p = li.querySelector(".pct");
            if (p) p.textContent = pct.toFixed(1);
          }
        }
      } catch { /* try again at the next tick */ }
    };
    setInterval(tick, 5000);
  }
}

// The tally: reload when the status reaches data-poll-until.
function pollStatus() {
  for (const box of document.querySelectorAll("[data-poll-status]")) {
    const id = setInterval(async () => {
      try {
        const res = await fetch(box.dataset.pollStatus, { credentials: "same-origin" });
        if (res.ok && (await res.json()).status === box.dataset.pollUntil) {
          clearInterval(id);
          location.reload();
        }
      } catch { /* next time */ }
    }, 2000);
  }
}

document.addEventListener("submit", onSubmit);

// Times in the reader's own time zone: <time data-local> shows its
// instant as a local date and time; a datetime-local input with
// data-value starts at its instant.
const local = (iso) => {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};
for (const el of document.querySelectorAll("time[data-local]")) {
  el.textContent = new Date(el.dateTime).toLocaleString(document.documentElement.lang, { dateStyle: "long", timeStyle: "short" });
}
for (const el of document.querySelectorAll('input[data-type="datetime"][data-value]')) el.value = local(el.dataset.value);

// Rows a form can grow and shrink: data-add-row="selector" adds a copy of
// the list's first row (emptied, with its own ids) up to the list's
// data-rows; data-remove-row removes its row unless it is the last one.
document.addEventListener("click", (event) => {
  const add = event.target.closest("[data-add-row]");
  if (add) {
    const list = document.querySelector(add.dataset.addRow);
    const first = list?.querySelector("[data-row]");
    if (!first || list.querySelectorAll("[data-row]").length >= Number(list.dataset.rows ?? 100)) return;
    const row = first.cloneNode(true);
    const n = (list.dataset.next = String(Number(list.dataset.next ?? list.querySelectorAll("[data-row]").length) + 1));
    for (const el of row.querySelectorAll("[id]")) el.id = `${el.id.replace(/-\d+$/, "")}-${n}`;
    for (const label of row.querySelectorAll("label[for]")) label.htmlFor = `${label.htmlFor.replace(/-\d+$/, "")}-${n}`;
    for (const input of row.querySelectorAll("input")) input.value = input.defaultValue = input.type === "number" ? input.min || "1" : "";
    list.append(row);
    row.querySelector("input")?.focus();
    return;
  }
  const remove = event.target.closest("[data-remove-row]");
  if (remove) {
    const row = remove.closest("[data-row]");
    const list = row?.parentElement;
    if (!row || list.querySelectorAll("[data-row]").length <= 1) return;
    const next = row.nextElementSibling ?? row.previousElementSibling;
    row.remove();
    next?.querySelector("input")?.focus();
  }
});
liveTurnout();
pollStatus();
