// SPDX-License-Identifier: Apache-2.0
// Meeting Space's page: renders what its endpoint pushes over the WebSocket, and sends the person's commands back.
// Plain JavaScript, no build step. window.meetingSpace exposes what the tests read (render order, timings).
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const W = 1200, H = 750, MAX_POINTS = 2000;
  const state = { lobby: null, meeting: null, log: new Map(), order: [], pending: new Map(), handouts: new Map() };
  const stats = { seenAt: {}, sentAt: {}, lastLogAt: 0, fullRedrawMs: 0, redraws: 0, started: performance.now() };
  const picked = new Set();
  let ws = null;
  let drawing = null;

  function send(command) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(command));
  }

  function connect() {
    ws = new WebSocket('ws://' + location.host + '/ws');
    ws.onopen = () => {
      $('connection').textContent = 'connected to my endpoint';
      $('connection').className = 'connection';
      $('endpoint-down').hidden = true;
      document.body.classList.remove('down');
    };
    ws.onclose = () => {
      $('connection').textContent = 'my endpoint is not answering: retrying…';
      $('connection').className = 'connection down';
      // what the page shows is from before: said plainly, and nothing can be clicked until the endpoint is back
      $('endpoint-down').hidden = false;
      document.body.classList.add('down');
      setTimeout(connect, 1000);
    };
    ws.onmessage = (e) => receive(JSON.parse(e.data));
  }

  function receive(u) {
    switch (u.t) {
      case 'lobby': state.lobby = u; renderLobby(); break;
      case 'meeting': state.meeting = u.meeting; renderMeeting(); break;
      case 'log': takeLog(u); break;
      case 'handout': state.handouts.set(u.handout.id, u.handout); renderHandouts(); break;
    }
  }

  // ----- lobby ----------------------------------------------------------------------------------------------------
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function presence(p) {
    return el('span', 'presence ' + p.status, p.status.toLowerCase().replace(/_/g, ' ') + (p.text ? ': ' + p.text : ''));
  }

  function personItem(p, extra) {
    const li = el('li');
    li.dataset.name = p.name;
    const box = el('input', 'pick');
    box.type = 'checkbox';
    box.checked = picked.has(p.name);
    box.title = 'tick to invite';
    box.onchange = () => { box.checked ? picked.add(p.name) : picked.delete(p.name); renderInviteButton(); };
    li.append(box, el('span', 'nick', p.nickname || '(no nickname)'), presence(p));
    if (extra) li.append(extra);
    return li;
  }

  function renderLobby() {
    const l = state.lobby;
    if (document.activeElement !== $('me-nickname') && document.activeElement !== $('me-text')) {
      $('me-nickname').value = l.me.nickname;
      $('me-text').value = l.me.text;
      $('me-status').value = l.me.status === 'OFFLINE' ? 'ONLINE' : l.me.status;
    }
    document.title = 'Meeting Space: ' + l.me.nickname;
    const near = $('near-list');
    near.replaceChildren(...l.near.map((p) => {
      let extra;
      if (!p.contact) {
        extra = el('button', 'add-contact', 'add contact');
        extra.type = 'button';
        extra.onclick = () => send({ t: 'add-contact', name: p.name });
      }
      return personItem(p, extra);
    }));
    $('near-count').textContent = '(' + l.near.length + ')';
    $('nobody-near').hidden = l.near.length > 0;
    $('contacts-list').replaceChildren(...l.contacts.map((p) => personItem(p, p.near ? el('span', 'count', 'near') : undefined)));
    $('no-contacts').hidden = l.contacts.length > 0;
    $('invitations').replaceChildren(...l.invitations.map((i) => {
      const li = el('li');
      li.dataset.id = i.id;
      const accept = el('button', 'accept', 'Accept');
      accept.onclick = () => send({ t: 'accept', id: i.id });
      const decline = el('button', 'decline', 'Decline');
      decline.onclick = () => send({ t: 'decline', id: i.id, message: 'not now, sorry' });
      li.append(el('span', 'nick', i.from + (i.message ? ': ' + i.message : '')), accept, decline);
      return li;
    }));
    $('no-invitations').hidden = l.invitations.length > 0;
    $('notices').replaceChildren(...l.notices.slice().reverse().map((n) => el('li', '', n)));
    renderInviteButton();
  }

  function renderInviteButton() {
    const m = state.meeting;
    const canHost = !m || m.status === 'ended' || m.host;
    $('invite-button').disabled = picked.size === 0 || !canHost;
  }

  // ----- meeting --------------------------------------------------------------------------------------------------
  function renderMeeting() {
    const m = state.meeting;
    const box = $('meeting');
    box.classList.toggle('none', !m);
    box.classList.toggle('ended', !!(m && m.ended));
    renderInviteButton();
    if (!m) { state.log.clear(); state.order = []; state.handouts.clear(); redraw(); renderChat(); renderHandouts(); return; }
    let status;
    if (m.ended) status = 'Meeting ended: ' + m.ended;
    else if (m.status === 'joining') status = 'Joining ' + m.hostNickname + '\u2019s meeting…';
    else if (m.host) status = 'My meeting' + (m.connected ? '' : ' (waiting for someone to accept)');
    else status = 'In ' + m.hostNickname + '\u2019s meeting';
    $('meeting-status').textContent = status;
    $('leave-button').textContent = m.host ? 'End the meeting for everyone' : 'Leave';
    $('host-note').textContent = m.hostLeaves;
    $('participants').replaceChildren(...m.participants.map((p) => {
      const li = el('li', p.status === 'joined' || p.status === 'host' ? '' : 'gone',
        p.nickname + (p.me ? ' (me)' : '') + ' \u00b7 ' + p.status);
      li.dataset.name = p.name;
      li.dataset.status = p.status;
      li.style.borderColor = p.colour;
      return li;
    }));
    for (const h of m.handouts) state.handouts.set(h.id, h);
    renderHandouts();
  }

  function myColour() {
    const m = state.meeting;
    const me = m && m.participants.find((p) => p.me);
    return me ? me.colour : '#444';
  }

  function takeLog(u) {
    if (u.reset) { state.log.clear(); state.order = []; state.handouts.clear(); renderHandouts(); }
    let inOrder = !u.reset;
    const last = state.order.length ? state.order[state.order.length - 1] : 0;
    for (const e of u.entries) {
      if (state.log.has(e.seq)) continue;
      state.log.set(e.seq, e);
      if (e.seq < last) inOrder = false;
      if (e.kind === 'stroke' && e.body && e.body.id) {
        stats.seenAt[e.body.id] = Date.now();
        state.pending.delete(e.body.id);
      }
    }
    state.order = Array.from(state.log.keys()).sort((a, b) => a - b);
    if (inOrder) {
      for (const e of u.entries) if (e.kind === 'stroke') paint(ctx(), e.body, e.colour);
      paintPending();
      renderCount();
    } else {
      redraw();
    }
    renderChat();
    stats.lastLogAt = performance.now();
  }

  // ----- the board ------------------------------------------------------------------------------------------------
  const board = () => $('board');
  const ctx = () => board().getContext('2d');

  function paint(c, s, colour) {
    const p = s.pts || [];
    if (p.length < 2) return;
    c.strokeStyle = colour; c.lineWidth = s.w || 3; c.lineCap = 'round'; c.lineJoin = 'round';
    c.beginPath();
    const [x0, y0, x1, y1] = [p[0], p[1], p[p.length - 2], p[p.length - 1]];
    if (s.tool === 'line') { c.moveTo(x0, y0); c.lineTo(x1, y1); }
    else if (s.tool === 'rect') { c.rect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0)); }
    else if (s.tool === 'ellipse') {
      c.ellipse((x0 + x1) / 2, (y0 + y1) / 2, Math.abs(x1 - x0) / 2 || 1, Math.abs(y1 - y0) / 2 || 1, 0, 0, 2 * Math.PI);
    } else { c.moveTo(x0, y0); for (let i = 2; i < p.length; i += 2) c.lineTo(p[i], p[i + 1]); if (p.length === 2) c.lineTo(x0 + .1, y0); }
    c.stroke();
  }

  function paintPending() {
    const c = ctx();
    c.save(); c.globalAlpha = 0.45;
    for (const s of state.pending.values()) paint(c, s, myColour());
    c.restore();
  }

  function redraw() {
    const t0 = performance.now();
    const c = ctx();
    c.clearRect(0, 0, W, H);
    for (const seq of state.order) {
      const e = state.log.get(seq);
      if (e.kind === 'stroke') paint(c, e.body, e.colour);
    }
    paintPending();
    if (drawing) paint(c, drawing, myColour());
    stats.fullRedrawMs = performance.now() - t0;
    stats.redraws++;
    renderCount();
  }

  function renderCount() {
    let n = 0;
    for (const seq of state.order) if (state.log.get(seq).kind === 'stroke') n++;
    $('board-count').textContent = n + ' stroke' + (n === 1 ? '' : 's');
    board().dataset.strokes = String(n);
  }

  function point(e) {
    const r = board().getBoundingClientRect();
    return [Math.round((e.clientX - r.left) * W / r.width), Math.round((e.clientY - r.top) * H / r.height)];
  }

  function canDraw() {
    const m = state.meeting;
    return m && !m.ended && (m.host || m.connected);
  }

  function setUpBoard() {
    const b = board();
    b.addEventListener('pointerdown', (e) => {
      if (!canDraw()) return;
      b.setPointerCapture(e.pointerId);
      const tool = document.querySelector('input[name=tool]:checked').value;
      drawing = { id: Math.random().toString(36).slice(2) + Date.now().toString(36), tool: tool, w: 3, pts: point(e) };
    });
    b.addEventListener('pointermove', (e) => {
      if (!drawing) return;
      const p = point(e);
      if (drawing.tool === 'pen') {
        if (drawing.pts.length < MAX_POINTS * 2) drawing.pts.push(p[0], p[1]);
        const c = ctx(), n = drawing.pts.length;
        if (n >= 4) { c.strokeStyle = myColour(); c.lineWidth = 3; c.lineCap = 'round'; c.beginPath();
          c.moveTo(drawing.pts[n - 4], drawing.pts[n - 3]); c.lineTo(p[0], p[1]); c.stroke(); }
      } else {
        drawing.pts = [drawing.pts[0], drawing.pts[1], p[0], p[1]];
        redraw();
      }
    });
    const finish = (e) => {
      if (!drawing) return;
      const s = drawing;
      drawing = null;
      if (s.tool !== 'pen') s.pts = [s.pts[0], s.pts[1]].concat(point(e));
      state.pending.set(s.id, s);
      stats.sentAt[s.id] = Date.now();
      send({ t: 'draw', stroke: s });
      redraw();
    };
    b.addEventListener('pointerup', finish);
    b.addEventListener('pointercancel', finish);
  }

  // ----- chat -----------------------------------------------------------------------------------------------------
  function renderChat() {
    const items = [];
    for (const seq of state.order) {
      const e = state.log.get(seq);
      if (e.kind !== 'chat') continue;
      const li = el('li');
      li.dataset.seq = seq;
      const who = el('span', 'who', e.nickname + ': ');
      who.style.color = e.colour;
      li.append(who, el('span', 'text', e.body.text));
      items.push(li);
    }
    const log = $('chat-log');
    if (log.children.length !== items.length) {
      log.replaceChildren(...items);
      log.scrollTop = log.scrollHeight;
    }
  }

  // ----- handouts -------------------------------------------------------------------------------------------------
  function renderHandouts() {
    $('handouts').replaceChildren(...Array.from(state.handouts.values()).map((h) => {
      const li = el('li');
      li.dataset.id = h.id;
      li.dataset.state = h.state;
      const name = el('span', 'name', (h.outgoing ? 'to everyone: ' : 'from ' + h.from + ': ') + h.name + ' (' + size(h.size) + ')');
      const bar = el('progress');
      bar.max = Math.max(h.size, 1);
      bar.value = h.size === 0 ? 1 : h.transferred;
      // a sender's bar is what every receiver has (their acknowledgements), not what its session took
      const st = el('span', 'state ' + h.state, h.outgoing
        ? h.state + ' · everyone has ' + size(h.transferred) + ' (' + size(h.handed || 0) + ' sent)'
        : h.state + ' ' + size(h.transferred));
      const actions = el('span', 'actions');
      if (h.state === 'sending' || h.state === 'receiving') {
        const cancel = el('button', 'cancel', 'Cancel');
        cancel.onclick = () => send({ t: 'cancel-handout', id: h.id });
        actions.append(cancel);
      }
      if (!h.outgoing && h.state === 'verified') {
        const a = el('a', 'download', 'save');
        a.href = '/handouts/' + h.id + '?name=' + encodeURIComponent(h.name);
        a.download = h.name;
        actions.append(a);
      }
      const rec = Object.entries(h.receivers || {}).map(([k, v]) => k + ': ' + v).join(', ');
      li.append(name, actions, bar, st);
      if (rec) li.append(el('span', 'receivers sha', 'received by ' + rec));
      if (h.sha256) li.append(el('span', 'sha', 'SHA-256 ' + h.sha256));
      return li;
    }));
  }

  function size(n) {
    return n >= 1048576 ? (n / 1048576).toFixed(1) + ' MiB' : n >= 1024 ? (n / 1024).toFixed(0) + ' KiB' : n + ' B';
  }

  function handOut(file) {
    if (!file) return;
    fetch('/handouts?name=' + encodeURIComponent(file.name) + '&size=' + file.size, { method: 'POST', body: file })
      .then((r) => r.ok ? null : r.text().then((t) => alertNotice(t)))
      .catch((e) => alertNotice(String(e)));
  }

  function alertNotice(text) {
    $('notices').prepend(el('li', '', 'handout: ' + text));
  }

  function setUpTray() {
    const zone = $('drop-zone');
    zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault(); zone.classList.remove('over');
      for (const f of e.dataTransfer.files) handOut(f);
    });
    $('handout-input').addEventListener('change', (e) => {
      for (const f of e.target.files) handOut(f);
      e.target.value = '';
    });
  }

  // ----- wiring ---------------------------------------------------------------------------------------------------
  document.addEventListener('DOMContentLoaded', () => {
    $('me').addEventListener('submit', (e) => {
      e.preventDefault();
      send({ t: 'nickname', value: $('me-nickname').value });
      send({ t: 'presence', status: $('me-status').value, text: $('me-text').value });
    });
    $('invite-button').onclick = () => { send({ t: 'invite', names: Array.from(picked) }); picked.clear(); renderLobby(); };
    $('start-button').onclick = () => send({ t: 'start' });
    $('leave-button').onclick = () => send({ t: 'leave' });
    $('dismiss-button').onclick = () => send({ t: 'dismiss' });
    $('chat-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const text = $('chat-input').value;
      if (text.trim()) send({ t: 'chat', text: text });
      $('chat-input').value = '';
    });
    setUpBoard();
    setUpTray();
    connect();
  });

  window.meetingSpace = {
    stats: stats,
    /** The ids of the strokes on the board, in the order they are drawn. */
    strokeIds: () => state.order.map((s) => state.log.get(s)).filter((e) => e.kind === 'stroke').map((e) => e.body.id),
    chatLines: () => state.order.map((s) => state.log.get(s)).filter((e) => e.kind === 'chat').map((e) => e.nickname + ': ' + e.body.text),
    redraw: () => { redraw(); return stats.fullRedrawMs; },
    send: send,
  };
})();
