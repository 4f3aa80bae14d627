// The live room: joins /ws/sessions/<id>/, replays from last_seq, applies events to a small state
// and redraws the panels. Reconnects by itself with the last seq it saw. Protocol: docs/live-protocol.md.
(function () {
  "use strict";
  const root = document.getElementById("room");
  if (!root) { return; }
  const sessionId = root.dataset.session;
  const me = Number(root.dataset.user);
  const role = root.dataset.role;
  const projector = root.dataset.mode === "projector";
  const facilitating = role === "facilitator" || role === "officer";
  const csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  const INT_FIELDS = ["seconds", "item", "user", "statement", "poll", "size", "table", "message", "draft",
    "amendment", "vote", "threshold_percent"];
  const $ = (id) => document.getElementById(id);

  const state = {
    lastSeq: 0, offset: 0, agenda: [], speakers: { speaker: null, queue: [], not_yet_spoken: [] },
    statements: new Map(), opinion: null, polls: new Map(), drafts: new Map(), votes: new Map(),
    messages: [], present: new Map(), table: null, muted: [], myVotes: new Map(),
  };
  let socket = null;
  let retry = 0;
  let counter = 0;
  const pending = new Map();

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) { continue; }
      if (k === "class") { node.className = v; } else if (k === "text") { node.textContent = v; } else { node.setAttribute(k, v === true ? "" : v); }
    }
    for (const c of children) { if (c !== null && c !== undefined) { node.append(c); } }
    return node;
  }
  function announce(text) {
    const box = $("announcer");
    if (box) { box.textContent = ""; window.setTimeout(() => { box.textContent = text; }, 50); }
  }
  function status(text, kind) {
    const box = $("connection");
    if (box) { box.textContent = text; box.dataset.state = kind; }
  }

  // A form (server-rendered or drawn here) becomes a message: hidden "type", fields as data.
  function actionForm(type, fields, label, opts) {
    const form = el("form", { method: "post", action: root.dataset.act || "", class: "room-action" });
    form.append(el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: csrf }));
    form.append(el("input", { type: "hidden", name: "type", value: type }));
    for (const [k, v] of Object.entries(fields)) { form.append(el("input", { type: "hidden", name: k, value: String(v) })); }
    form.append(el("button", { type: "submit", class: (opts && opts.secondary) ? "secondary" : null,
      "aria-pressed": opts && opts.pressed !== undefined ? String(opts.pressed) : null, text: label }));
    return form;
  }
  function formData(form) {
    const data = {};
    let type = "";
    for (const [key, raw] of new FormData(form).entries()) {
      const value = String(raw);
      if (key === "csrfmiddlewaretoken") { continue; }
      if (key === "type") { type = value; continue; }
      if (INT_FIELDS.includes(key)) { data[key] = Number.parseInt(value, 10); }
      else if (key === "options") { data.options = value.split("\n").map((s) => s.trim()).filter(Boolean); }
      else if (key === "answer") { data.answer = /^-?\d+$/.test(value) ? Number(value) : value; }
      else if (key === "answer_order") { data.answer = value.split(",").filter(Boolean).map(Number); }
      else if (key === "equal_voice" || key === "present_only") { data[key] = value === "true" || value === "on"; }
      else { data[key] = value; }
    }
    if (data.kind === "scale" && Array.isArray(data.options)) { data.options = data.options.slice(0, 2).map(Number); }
    return { type, data };
  }
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.classList || !form.classList.contains("room-action") || !socket || socket.readyState !== 1) { return; }
    event.preventDefault();
    const { type, data } = formData(form);
    const id = `${me}-${Date.now().toString(36)}-${(counter += 1)}`;
    pending.set(id, form);
    socket.send(JSON.stringify({ type, id, data }));
    if (form.querySelector("input[type=text], input:not([type]), textarea")) { form.reset(); }
  });

  function fmt(seconds) {
    const s = Math.max(0, Math.round(Math.abs(seconds)));
    return `${seconds < 0 ? "−" : ""}${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }
  function remaining(item) {
    if (item.status === "running" && item.ends_at) {
      return (Date.parse(item.ends_at) - (Date.now() + state.offset)) / 1000;
    }
    return item.remaining_seconds;
  }

  // --- Drawing ---------------------------------------------------------------------------
  function drawAgenda() {
    const now = $("agenda-now");
    const list = $("agenda-list");
    if (!now || !list) { return; }
    const current = state.agenda.find((i) => i.status === "running" || i.status === "paused");
    now.replaceChildren();
    if (current) {
      const left = remaining(current);
      now.append(el("p", { class: "now-item" }, el("strong", { text: current.title }), " ",
        el("span", { class: "tag", text: current.status === "paused" ? "paused" : "running" })));
      now.append(el("p", { class: `timer${left < 0 ? " over" : ""}`, role: "timer", "aria-live": "off", id: "timer",
        "aria-label": `Time left on ${current.title}`, text: fmt(left) }));
    } else {
      now.append(el("p", { text: state.agenda.length ? "No item running." : "No agenda yet." }));
    }
    list.replaceChildren(...state.agenda.map((i) => el("li", { "data-status": i.status,
      text: `${i.title} (${Math.round((i.planned_seconds + i.extended_seconds) / 60)} min) – ${i.status}` })));
  }
  let minuteWarned = null;
  function tick() {
    const current = state.agenda.find((i) => i.status === "running");
    const timer = $("timer");
    if (current && timer) {
      const left = remaining(current);
      timer.textContent = fmt(left);
      timer.classList.toggle("over", left < 0);
      if (left <= 60 && left > 58 && minuteWarned !== current.id) { minuteWarned = current.id; announce(`One minute left on ${current.title}.`); }
    }
  }
  function drawSpeakers() {
    const s = state.speakers;
    const now = $("speaker-now");
    if (now) { now.textContent = s.speaker ? `Speaking now: ${s.speaker.name}` : "Nobody is speaking."; }
    const queue = $("queue");
    if (queue) {
      queue.replaceChildren(...(s.queue.length ? s.queue.map((q) => el("li", {},
        `${q.name}${s.equal_voice ? ` (spoken ${Math.round(q.spoken_seconds)} s)` : ""}`,
        facilitating && !projector ? actionForm("speaker.next", { user: q.user }, `Call ${q.name}`, { secondary: true }) : null))
        : [el("li", { text: "No hands raised." })]));
    }
    const raise = $("raise-hand");
    if (raise) { raise.setAttribute("aria-pressed", String(s.queue.some((q) => q.user === me))); }
    const notSpoken = $("not-spoken");
    if (notSpoken) {
      const names = s.not_yet_spoken.map((id) => (state.present.get(id) || {}).name || `member ${id}`);
      notSpoken.replaceChildren(el("h3", { text: "Not yet spoken" }), el("p", { text: names.length ? names.join(", ") : "Everyone has spoken." }));
    }
  }
  function drawStatements() {
    const list = $("statements");
    if (!list) { return; }
    const groups = state.opinion;
    const opinion = $("opinion");
    if (opinion) {
      opinion.replaceChildren();
      if (groups && groups.groups && groups.groups.length) {
        opinion.append(el("p", { text: `Opinion groups: ${groups.groups.map((g) => `group ${g.group + 1} (${g.size})`).join(", ")}.` }));
        const bridging = (groups.bridging || []).map((b) => state.statements.get(b.statement)).filter(Boolean);
        if (bridging.length) {
          opinion.append(el("h3", { text: "Statements that bridge the groups" }),
            el("ul", {}, ...bridging.map((st) => el("li", { text: st.text }))));
        }
      }
    }
    const items = [...state.statements.values()].filter((st) => !st.removed);
    list.replaceChildren(...(items.length ? items.map((st) => {
      const c = st.counts || { agree: 0, disagree: 0, pass: 0 };
      const li = el("li", {}, el("span", { text: st.text }), " ",
        el("small", { text: `(${c.agree} agree, ${c.disagree} disagree, ${c.pass} pass)` }));
      if (!projector && role !== "observer") {
        const mine = state.myVotes.get(st.id);
        li.append(el("div", { class: "votes" }, ...["agree", "disagree", "pass"].map((choice) =>
          actionForm("statement.vote", { statement: st.id, choice }, `${choice[0].toUpperCase()}${choice.slice(1)}`,
            { secondary: true, pressed: mine === choice }))));
        if (facilitating) { li.append(actionForm("message.remove", { statement: st.id, reason: "Removed by the facilitator" }, "Remove", { secondary: true })); }
      }
      return li;
    }) : [el("li", { text: "No statements yet." })]));
  }
  function drawPolls() {
    const box = $("polls");
    if (!box) { return; }
    const polls = [...state.polls.values()].reverse();
    box.replaceChildren(...(polls.length ? polls.map((p) => {
      const r = p.results || {};
      const art = el("article", { class: "poll" }, el("h3", { text: p.question }),
        el("p", { text: `${p.status === "open" ? "Open" : "Closed"} · ${r.answers || 0} answers` }));
      const res = el("ul", {});
      if (p.kind === "single") {
        p.options.forEach((o, i) => res.append(el("li", { text: `${o}: ${(r.counts || [])[i] || 0}` })));
      } else if (p.kind === "scale") {
        res.append(el("li", { text: `Mean: ${r.mean === null || r.mean === undefined ? "–" : r.mean}` }));
      } else {
        p.options.forEach((o, i) => res.append(el("li", { text: `${o}: ${(r.first_preferences || [])[i] || 0} first preferences` })));
        if (r.irv && r.irv.winner) { res.append(el("li", { text: `Instant-runoff winner: ${r.irv.winner}` })); }
      }
      art.append(res);
      if (p.status === "open" && !projector && role !== "observer") {
        const form = el("form", { method: "post", action: root.dataset.act || "", class: "room-action" });
        form.append(el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: csrf }),
          el("input", { type: "hidden", name: "type", value: "poll.answer" }), el("input", { type: "hidden", name: "poll", value: String(p.id) }));
        const fs = el("fieldset", {}, el("legend", { text: "Your answer" }));
        if (p.kind === "single") {
          p.options.forEach((o, i) => fs.append(el("label", { class: "choice" }, el("input", { type: "radio", name: "answer", value: String(i), required: true }), ` ${o}`)));
        } else if (p.kind === "scale") {
          for (let v = p.options[0]; v <= p.options[1]; v += 1) {
            fs.append(el("label", { class: "choice" }, el("input", { type: "radio", name: "answer", value: String(v), required: true }), ` ${v}`));
          }
        } else {
          const id = `rank-${p.id}`;
          fs.append(el("label", { for: id, text: `Option numbers best first, separated by commas (${p.options.map((o, i) => `${i}: ${o}`).join("; ")})` }),
            el("input", { id, name: "answer_order", required: true, inputmode: "numeric", pattern: "[0-9]+(,[0-9]+)*" }));
        }
        form.append(fs, el("button", { type: "submit", text: "Answer" }));
        art.append(form);
      }
      if (p.status === "open" && facilitating && !projector) { art.append(actionForm("poll.close", { poll: p.id }, "Close poll", { secondary: true })); }
      return art;
    }) : [el("p", { text: "No polls yet." })]));
  }
  function drawDrafts() {
    const box = $("drafts");
    if (box) {
      const drafts = [...state.drafts.values()];
      box.replaceChildren(...(drafts.length ? drafts.map((d) => {
        const art = el("article", { class: "draft" }, el("h3", { text: d.title }),
          el("p", { class: "draft-text", text: d.text }), el("p", { text: `${d.status} · version ${d.version}` }));
        for (const a of d.amendments) {
          const li = el("p", {}, `Amendment ${a.id} (${a.status}): “${a.text}”${a.reason ? ` – ${a.reason}` : ""}`);
          if (facilitating && !projector && a.status === "proposed") {
            li.append(" ", actionForm("draft.amend", { action: "accept", amendment: a.id }, "Accept", { secondary: true }),
              actionForm("draft.amend", { action: "reject", amendment: a.id }, "Reject", { secondary: true }),
              actionForm("vote.open", { draft: d.id, amendment: a.id, threshold_percent: 50 }, "Vote on it", { secondary: true }));
          }
          art.append(li);
        }
        if (!projector && d.status === "open" && role !== "observer") {
          const form = el("form", { method: "post", action: root.dataset.act || "", class: "room-action stack" });
          const tid = `amend-${d.id}`;
          form.append(el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: csrf }),
            el("input", { type: "hidden", name: "type", value: "draft.amend" }), el("input", { type: "hidden", name: "action", value: "propose" }),
            el("input", { type: "hidden", name: "draft", value: String(d.id) }),
            el("div", { class: "field" }, el("label", { for: tid, text: "Propose new wording" }), el("textarea", { id: tid, name: "text", rows: "3", required: true })),
            el("button", { type: "submit", text: "Propose amendment" }));
          art.append(form);
        }
        if (facilitating && !projector && d.status === "open") {
          art.append(actionForm("vote.open", { draft: d.id, threshold_percent: 80 }, "Open final vote (80 % to pass)"));
        }
        return art;
      }) : [el("p", { text: "No drafts yet." })]));
    }
    const votes = $("votes");
    if (votes) {
      votes.replaceChildren(...[...state.votes.values()].map((v) => {
        const d = state.drafts.get(v.draft) || { title: `draft ${v.draft}` };
        const what = v.amendment ? `amendment ${v.amendment} to “${d.title}”` : `“${d.title}”`;
        const art = el("article", { class: "vote" }, el("h3", { text: `Vote on ${what}` }));
        if (v.status === "open") {
          art.append(el("p", { text: `Open · ${v.cast || 0} votes cast · ${v.threshold_percent} % support needed` }));
          if (!projector && role !== "observer") {
            art.append(el("div", { class: "actions" }, ...["support", "oppose", "abstain"].map((c) =>
              actionForm("vote.cast", { vote: v.id, choice: c }, `${c[0].toUpperCase()}${c.slice(1)}`, { secondary: c !== "support" }))));
          }
          if (facilitating && !projector) { art.append(actionForm("vote.close", { vote: v.id }, "Close vote", { secondary: true })); }
        } else {
          art.append(el("p", { class: "result", text: `${v.passed ? "Passed" : "Not passed"}: ${v.support} support, ${v.oppose} oppose, ${v.abstain} abstain (${v.support_percent === null ? 0 : v.support_percent} % support, ${v.threshold_percent} % needed).` }));
        }
        return art;
      }));
    }
  }
  function drawMessages() {
    const mine = $("my-table");
    if (mine) { mine.textContent = state.table ? `You are at table ${state.table}.` : "No breakout tables now."; }
    const list = $("messages");
    if (!list) { return; }
    list.replaceChildren(...state.messages.slice(-50).map((m) => {
      const li = el("li", {}, el("strong", { text: `${m.name}${m.table ? ` (table ${m.table})` : ""}: ` }),
        m.removed ? el("span", { class: "removed", text: `[removed: ${m.removed}]` }) : m.text);
      if (facilitating && !m.removed) { li.append(" ", actionForm("message.remove", { message: m.id, reason: "Removed by the facilitator" }, "Remove", { secondary: true })); }
      return li;
    }));
  }
  function drawPresent() {
    const list = $("present");
    if (!list) { return; }
    const people = [...state.present.values()].filter((p) => p.here);
    list.replaceChildren(...(people.length ? people.map((p) => el("li", {}, p.name, state.muted.includes(p.user) ? " (muted)" : "",
      facilitating && p.user !== me ? actionForm(state.muted.includes(p.user) ? "member.unmute" : "member.mute", { user: p.user },
        state.muted.includes(p.user) ? `Unmute ${p.name}` : `Mute ${p.name}`, { secondary: true }) : null))
      : [el("li", { text: "Nobody yet." })]));
  }

  // --- Applying events ----------------------------------------------------------------------
  function apply(e, live) {
    const d = e.data || {};
    const name = e.actor ? e.actor.name : "The facilitator";
    if (e.redacted) { return; }
    switch (e.type) {
      case "agenda.add": case "agenda.start": case "agenda.pause": case "agenda.extend": case "agenda.next":
        state.agenda = d.agenda || state.agenda;
        if (live && d.item && (e.type === "agenda.start" || e.type === "agenda.next")) { announce(`Now: ${d.item.title}.`); }
        if (live && e.type === "agenda.pause") { announce(`${d.item.title} paused.`); }
        if (live && e.type === "agenda.extend") { announce(`${d.item.title} extended.`); }
        break;
      case "hand.raise": case "hand.lower": case "speaker.next": case "speaker.mode": {
        const before = state.speakers.speaker && state.speakers.speaker.user;
        state.speakers = d;
        if (live && d.speaker && d.speaker.user !== before) { announce(d.speaker.user === me ? "You have the floor." : `${d.speaker.name} has the floor.`); }
        break;
      }
      case "statement.post":
        state.statements.set(d.id, { id: d.id, text: d.text, counts: { agree: 0, disagree: 0, pass: 0 } });
        break;
      case "statement.vote": {
        const st = state.statements.get(d.statement);
        if (st) { st.counts = d.counts; }
        if (e.actor && e.actor.id === me && live) { /* own choice is confirmed by ack */ }
        state.opinion = d.opinion;
        break;
      }
      case "poll.open":
        state.polls.set(d.id, d);
        if (live) { announce(`Poll opened: ${d.question}`); }
        break;
      case "poll.answer": {
        const p = state.polls.get(d.poll);
        if (p) { p.results = d.results; }
        break;
      }
      case "poll.close":
        state.polls.set(d.id, d);
        if (live) { announce(`Poll closed: ${d.question}`); }
        break;
      case "tables.allocate":
        state.table = null;
        for (const [n, members] of Object.entries(d.tables || {})) { if (members.includes(me)) { state.table = Number(n); } }
        if (live) { announce(state.table ? `You are at table ${state.table}.` : "Breakout tables were allocated."); }
        break;
      case "message.post":
        state.messages.push({ id: d.id, text: d.text, name, table: e.table || null });
        break;
      case "message.remove":
        if (d.statement) { const st = state.statements.get(d.statement); if (st) { st.removed = d.reason; } }
        if (d.message) { const m = state.messages.find((x) => x.id === d.message); if (m) { m.removed = d.reason; } }
        break;
      case "member.mute": case "member.unmute":
        state.muted = d.muted || [];
        if (live && d.user === me) { announce(e.type === "member.mute" ? "The facilitator has muted you." : "You can speak again."); }
        break;
      case "draft.amend":
        state.drafts.set(d.draft.id, d.draft);
        break;
      case "vote.open":
        state.votes.set(d.id, d);
        if (live) { announce("A vote has opened."); }
        break;
      case "vote.cast": {
        const v = state.votes.get(d.vote);
        if (v) { v.cast = d.cast; }
        break;
      }
      case "vote.close":
        state.votes.set(d.id, d);
        if (d.draft_state) { state.drafts.set(d.draft_state.id, d.draft_state); }
        if (live) { announce(`Vote ${d.passed ? "passed" : "not passed"}: ${d.support_percent === null ? 0 : d.support_percent} % support.`); }
        break;
      case "presence":
        state.present.set(d.user, { user: d.user, name: d.name, here: d.here });
        break;
      default:
        break;
    }
  }
  function drawAll() { drawAgenda(); drawSpeakers(); drawStatements(); drawPolls(); drawDrafts(); drawMessages(); drawPresent(); }

  // --- Connection -----------------------------------------------------------------------------
  let synced = false;
  function connect() {
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/sessions/${sessionId}/`;
    socket = new WebSocket(url);
    status("Connecting…", "connecting");
    socket.addEventListener("open", () => { socket.send(JSON.stringify({ type: "hello", last_seq: state.lastSeq })); });
    socket.addEventListener("message", (msg) => {
      let m;
      try { m = JSON.parse(msg.data); } catch (err) { return; }
      if (m.type === "synced") {
        synced = true;
        retry = 0;
        state.offset = Date.parse(m.server_time) - Date.now();
        state.table = m.table;
        status("Live.", "live");
        drawAll();
        return;
      }
      if (m.type === "ack") {
        const form = pending.get(m.id);
        pending.delete(m.id);
        if (form) {
          const fd = new FormData(form);
          if (fd.get("type") === "statement.vote") { state.myVotes.set(Number(fd.get("statement")), fd.get("choice")); drawStatements(); }
        }
        return;
      }
      if (m.type === "error") {
        pending.delete(m.id);
        announce(m.message);
        status(m.message, "error");
        return;
      }
      if (typeof m.seq === "number") {
        if (m.seq <= state.lastSeq) { return; }
        state.lastSeq = m.seq;
        apply(m, synced);
        if (synced) { drawAll(); }
      }
    });
    socket.addEventListener("close", (event) => {
      synced = false;
      if (event.code === 4403 || event.code === 4404) { status("You cannot join this room.", "lost"); return; }
      retry = Math.min(retry + 1, 6);
      status("Connection lost; reconnecting…", "lost");
      window.setTimeout(connect, 500 * 2 ** retry * (0.5 + Math.random()));
    });
  }
  window.setInterval(tick, 1000);
  connect();
  window.civicRoom = { state, get socket() { return socket; } };
}());
