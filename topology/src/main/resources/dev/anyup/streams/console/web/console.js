'use strict';
// The anyup-streams console: polls the read-only JSON API and draws with plain DOM and canvas (no libraries).
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
let shownSeq = '';
let selected = null; // {imageId, x, y}
let shownIds = new Set(); // image ids with a tile now: the only ones whose pictures the server still has

async function getJson(path) {
  const r = await fetch(path, {cache: 'no-store'});
  if (!r.ok) { throw new Error(path + ': HTTP ' + r.status + ' ' + (await r.text())); }
  return r.json();
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith('data-')) { e.setAttribute(k, v); } else { e[k] = v; }
  }
  for (const c of children) { e.append(c); }
  return e;
}

// ---- live tiles ----
async function pollRecent() {
  const data = await getJson('/api/recent');
  document.getElementById('status').textContent = 'live · ' + data.sources.length + ' source(s)'
      + (data.dropped > 0 ? ' · ' + data.dropped + ' output(s) not shown (console behind)' : '')
      + (data.skipped > 0 ? ' · ' + data.skipped + ' not drawn (a newer one of the source came first)' : '');
  const key = data.sources.map(s => s.source_id + ':' + s.tiles.map(t => t.seq + (t.segmentable ? 's' : '')).join(','))
      .join(';');
  if (key === shownSeq) { return; }
  shownSeq = key;
  shownIds = new Set(data.sources.flatMap(s => s.tiles.map(t => t.image_id)));
  const root = document.getElementById('sources');
  root.replaceChildren(...data.sources.map(s => el('div', {className: 'source', 'data-source-id': s.source_id},
      el('h3', {textContent: s.source_id}),
      el('div', {className: 'tiles'}, ...s.tiles.map(tile)))));
}

function tile(t) {
  const q = 'image=' + encodeURIComponent(t.image_id);
  const src = el('img', {className: 'src' + (t.segmentable ? ' segmentable' : ''), src: '/api/image?' + q,
      alt: t.image_id, title: t.segmentable ? 'click a pixel to segment' : 'features no longer kept'});
  const feat = el('img', {className: 'feat', src: '/api/features?' + q, alt: 'features of ' + t.image_id});
  if (t.segmentable) {
    src.addEventListener('click', ev => {
      // the tile letterboxes the picture (object-fit: contain), which may be a thumbnail: undo both to get
      // source-image pixels
      const scale = Math.min(src.clientWidth / src.naturalWidth, src.clientHeight / src.naturalHeight);
      const fx = (ev.offsetX - (src.clientWidth - src.naturalWidth * scale) / 2) / (src.naturalWidth * scale);
      const fy = (ev.offsetY - (src.clientHeight - src.naturalHeight * scale) / 2) / (src.naturalHeight * scale);
      const x = fx * t.source_width;
      const y = fy * t.source_height;
      segmentAt(t.image_id, x, y).catch(report);
    });
  } else {
    src.addEventListener('click', () => selectForSimilar(t.image_id));
  }
  const cls = 'tile' + (selected && selected.imageId === t.image_id ? ' selected' : '');
  return el('div', {className: cls, 'data-image-id': t.image_id, 'data-seq': t.seq},
      src, feat, el('div', {className: 'id', textContent: (t.segmentable ? '● ' : '') + t.image_id}));
}

// ---- click-to-segment ----
async function segmentAt(imageId, x, y) {
  selected = {imageId, x, y};
  const threshold = document.getElementById('threshold').value;
  const s = await getJson('/api/segment?image=' + encodeURIComponent(imageId) + '&x=' + x + '&y=' + y
      + '&threshold=' + threshold);
  const bytes = Uint8Array.from(atob(s.similarity_f32le), c => c.charCodeAt(0));
  const sim = new Float32Array(bytes.buffer);
  const heat = document.getElementById('heat');
  const mask = document.getElementById('mask');
  for (const c of [heat, mask]) {
    c.width = s.width;
    c.height = s.height;
    c.dataset.imageId = s.image_id;
    c.dataset.x = s.x;
    c.dataset.y = s.y;
    c.dataset.featureX = s.feature_x;
    c.dataset.featureY = s.feature_y;
    c.dataset.threshold = s.threshold;
  }
  heat.dataset.similarity = s.similarity_f32le;
  const h = heat.getContext('2d').createImageData(s.width, s.height);
  const m = mask.getContext('2d').createImageData(s.width, s.height);
  for (let p = 0; p < sim.length; p++) {
    const [r, g, b] = heatColor(sim[p]);
    h.data.set([r, g, b, 255], 4 * p);
    const on = sim[p] >= s.threshold ? 255 : 0;
    m.data.set([on, on, on, 255], 4 * p);
  }
  heat.getContext('2d').putImageData(h, 0, 0);
  mask.getContext('2d').putImageData(m, 0, 0);
  document.getElementById('segment-help').textContent = 'image ' + imageId + ', feature pixel (' + s.feature_x + ', '
      + s.feature_y + '): left, similarity from -1 (blue) to 1 (red); right, similarity ≥ ' + s.threshold;
  selectForSimilar(imageId);
  heat.dataset.ready = 'true';
}

function selectForSimilar(imageId) {
  const button = document.getElementById('similar-button');
  button.dataset.imageId = imageId;
  button.textContent = 'find images similar to ' + imageId;
  for (const t of document.querySelectorAll('.tile')) {
    t.classList.toggle('selected', t.dataset.imageId === imageId);
  }
}

/** Similarity in [-1, 1] to a blue–white–red colour (exposed on window for the browser test). */
function heatColor(v) {
  const t = Math.max(0, Math.min(1, (v + 1) / 2));
  if (t < 0.5) {
    const u = t / 0.5;
    return [Math.round(40 + 215 * u), Math.round(80 + 175 * u), 255];
  }
  const u = (t - 0.5) / 0.5;
  return [255, Math.round(255 - 215 * u), Math.round(255 - 215 * u)];
}
window.heatColor = heatColor;

// ---- similar images ----
async function similar() {
  const id = document.getElementById('similar-button').dataset.imageId;
  if (!id) {
    document.getElementById('similar-status').textContent = 'click a recent image first';
    return;
  }
  showNeighbours(await getJson('/api/similar?k=5&image=' + encodeURIComponent(id)));
}

async function similarToFile() {
  const file = document.getElementById('upload-file').files[0];
  if (!file) {
    document.getElementById('similar-status').textContent = 'choose an image file first';
    return;
  }
  document.getElementById('similar-status').textContent = 'embedding ' + file.name + '…';
  const r = await fetch('/api/similar?k=5', {method: 'POST', body: file,
      headers: {'Content-Type': 'application/octet-stream'}});
  const body = await r.json();
  if (!r.ok) { throw new Error('upload: HTTP ' + r.status + ' ' + (body.error ?? body.message)); }
  showNeighbours(body, file.name);
}

function showNeighbours(r, label) {
  const list = document.getElementById('similar');
  list.dataset.query = r.image;
  list.replaceChildren(...r.neighbours.map(n => el('li', {'data-image-id': n.image_id, 'data-score': n.score},
      shownIds.has(n.image_id) ? el('img', {src: '/api/image?image=' + encodeURIComponent(n.image_id),
          alt: n.image_id}) : '',
      n.image_id + ' (' + n.source_id + ') ' + n.score.toFixed(3))));
  document.getElementById('similar-status').textContent = (label ?? r.image) + ': ' + r.neighbours.length
      + ' nearest of ' + r.stored + ' indexed embeddings (exact cosine)';
  list.dataset.ready = String(Number(list.dataset.ready ?? 0) + 1);
}

// ---- charts ----
function chart(id, series) {
  const c = document.getElementById(id);
  const g = c.getContext('2d');
  const w = c.width, h = c.height, left = 36, bottom = 14;
  g.clearRect(0, 0, w, h);
  let max = 0, n = 0;
  for (const s of series) {
    n = Math.max(n, s.values.length);
    for (const v of s.values) { if (v != null && v > max) { max = v; } }
  }
  max = max > 0 ? max * 1.1 : 1;
  g.strokeStyle = '#ccc';
  g.fillStyle = '#666';
  g.font = '10px sans-serif';
  for (let i = 0; i <= 2; i++) {
    const y = (h - bottom) * (1 - i / 2);
    g.beginPath(); g.moveTo(left, y + 0.5); g.lineTo(w, y + 0.5); g.stroke();
    g.fillText(fmt(max * i / 2), 2, Math.max(10, y));
  }
  g.fillText(n > 0 ? n + ' s' : 'waiting for data', left, h - 2);
  series.forEach((s, i) => {
    g.strokeStyle = COLORS[i % COLORS.length];
    g.fillStyle = COLORS[i % COLORS.length];
    g.lineWidth = 1.5;
    g.beginPath();
    let pen = false;
    s.values.forEach((v, x) => {
      if (v == null) { pen = false; return; }
      const px = left + (w - left) * (n <= 1 ? 1 : x / (n - 1));
      const py = (h - bottom) * (1 - v / max);
      if (pen) { g.lineTo(px, py); } else { g.moveTo(px, py); pen = true; }
    });
    g.stroke();
    // a point with no neighbour draws no line: mark every point with a dot
    s.values.forEach((v, x) => {
      if (v == null) { return; }
      g.fillRect(left + (w - left) * (n <= 1 ? 1 : x / (n - 1)) - 1.5, (h - bottom) * (1 - v / max) - 1.5, 3, 3);
    });
    g.fillText(s.name, left + 4 + 90 * (i % 2), 10 + 11 * Math.floor(i / 2));
  });
  c.dataset.points = n;
}

function fmt(v) { return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2); }

async function pollMetrics() {
  const m = await getJson('/api/metrics');
  const p = m.points;
  chart('chart-throughput', [{name: 'images/s', values: p.map(x => x.images_per_second)}]);
  chart('chart-latency', [{name: 'p50', values: p.map(x => x.p50_ms)}, {name: 'p99', values: p.map(x => x.p99_ms)}]);
  chart('chart-batch', [{name: 'mean', values: p.map(x => x.batch_mean)}]);
  chart('chart-lag', [{name: 'records behind', values: p.map(x => x.input_lag)}]);
  const reasons = [...new Set(p.flatMap(x => Object.keys(x.dead_letters)))].sort();
  chart('chart-dead', reasons.map(r => ({name: r, values: p.map(x => x.dead_letters[r] ?? 0)})));
}

// ---- dead letters ----
async function pollDeadLetters() {
  const list = await getJson('/api/deadletters');
  document.getElementById('dead-letters').replaceChildren(...list.map(d => el('tr', {'data-seq': d.seq,
      'data-stage': d.stage, 'data-reason': d.reason},
      el('td', {textContent: new Date(d.timestamp).toISOString()}), el('td', {textContent: d.stage}),
      el('td', {textContent: d.reason}), el('td', {textContent: d.image_id ?? '—'}),
      el('td', {className: 'msg', textContent: d.message, title: d.message}),
      el('td', {}, d.downloadable ? el('a', {href: '/api/deadletter?seq=' + d.seq, textContent: d.bytes + ' B',
          download: 'dead-letter-' + d.seq + '.bin'}) : d.bytes + ' B (too large to keep)'))));
}

function report(e) {
  document.getElementById('status').textContent = 'error: ' + e.message;
}

function every(ms, f) {
  const run = () => f().catch(report).finally(() => setTimeout(run, ms));
  run();
}

async function init() {
  const status = await getJson('/api/status');
  const button = document.getElementById('similar-button');
  if (status.similar_available) {
    button.disabled = false;
    button.addEventListener('click', () => similar().catch(report));
  } else {
    document.getElementById('similar-status').textContent = status.similar_message;
  }
  if (status.upload_available) {
    document.getElementById('upload').hidden = false;
    document.getElementById('upload-button').addEventListener('click', () => similarToFile().catch(report));
    document.getElementById('mode').textContent = 'read-only · uploads on (searched, not stored)';
  }
  document.getElementById('threshold').addEventListener('change', () => {
    if (selected) { segmentAt(selected.imageId, selected.x, selected.y).catch(report); }
  });
  every(1000, pollRecent);
  every(1000, pollMetrics);
  every(2000, pollDeadLetters);
}

init().catch(report);
