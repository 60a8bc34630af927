// The status page's script: polls /api/status, shows the latest frame and
// posts the teach form as JSON with the token as a bearer token. A URL
// fragment #teach=LABEL&k=K&token=T fills the form and submits it on load
// (fragments never reach a server or its logs): a scripted browser can teach
// without clicking.
"use strict";

const $ = (id) => document.getElementById(id);
let shownSeq = null;

function pct(p) { return (100 * p).toFixed(1) + "%"; }
function fmt(ms) { return ms.toFixed(ms < 10 ? 2 : 1); }

function render(st) {
  $("conn").textContent = "live";
  $("uptime").textContent = Math.round(st.uptime_s) + " s";
  $("frames").textContent = st.frames;
  $("teach-off").hidden = st.teach;
  $("teach-form").hidden = !st.teach;
  const f = st.frame;
  if (f) {
    $("seq").textContent = "#" + f.seq;
    $("when").textContent = new Date(f.time).toLocaleString();
    if (f.seq !== shownSeq) {
      shownSeq = f.seq;
      $("frame").src = "/frame.jpg?seq=" + f.seq;
    }
    const top = $("top");
    top.replaceChildren(...f.top.map((p) => {
      const li = document.createElement("li");
      li.dataset.label = p.label;
      li.dataset.prob = p.prob;
      li.textContent = p.label + " " + pct(p.prob);
      const bar = document.createElement("span");
      bar.className = "bar";
      bar.style.width = pct(p.prob);
      li.append(bar);
      return li;
    }));
    for (const k of ["capture", "preprocess", "network", "cache", "total"]) {
      $("lat-" + k).textContent = fmt(f.latency_ms[k]);
    }
  }
  $("items").textContent = st.items + " items, " + st.taught + " taught";
  $("counts").tBodies[0].replaceChildren(...st.classes.map((c) => {
    const tr = document.createElement("tr");
    tr.dataset.label = c.label;
    tr.dataset.items = c.items;
    tr.dataset.taught = c.taught;
    for (const v of [c.label, c.items, c.taught]) {
      const td = document.createElement("td");
      td.textContent = v;
      tr.append(td);
    }
    return tr;
  }));
}

async function poll() {
  try {
    const r = await fetch("/api/status", { cache: "no-store" });
    if (!r.ok) throw new Error("HTTP " + r.status);
    render(await r.json());
  } catch (e) {
    $("conn").textContent = "disconnected (" + e.message + ")";
  }
}

async function teach(ev) {
  ev.preventDefault();
  const out = $("teach-result");
  const label = $("teach-label").value.trim();
  const k = parseInt($("teach-k").value, 10) || 1;
  out.className = "";
  out.textContent = "teaching " + label + "…";
  try {
    const r = await fetch("/api/teach", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + $("teach-token").value },
      body: JSON.stringify({ label, k }),
    });
    const body = await r.json();
    if (!r.ok) {
      out.className = "err";
      out.dataset.code = r.status;
      out.textContent = "refused (" + r.status + "): " + body.error;
      return;
    }
    out.className = "ok";
    out.dataset.code = r.status;
    out.textContent = "taught " + body.added + " example" + (body.added === 1 ? "" : "s") +
      " of " + body.label + (body.new_class ? " (new class)" : "");
  } catch (e) {
    out.className = "err";
    out.textContent = "teach failed: " + e.message;
  }
  await poll();
}

function fromFragment() {
  const q = new URLSearchParams(location.hash.slice(1));
  if (!q.has("teach")) return;
  history.replaceState(null, "", location.pathname + location.search);
  $("teach-label").value = q.get("teach");
  $("teach-k").value = q.get("k") || "1";
  $("teach-token").value = q.get("token") || "";
  $("teach-form").requestSubmit();
}

$("frame").addEventListener("load", () => { $("frame").dataset.loaded = shownSeq; });
$("teach-form").addEventListener("submit", teach);
poll().then(fromFragment);
setInterval(poll, 1000);
