'use strict';
// The anyup-streams console: polls the read-only JSON API and draws with plain DOM and canvas (no libraries).
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
let shownSeq = '';
let selected = null; // {imageId, x, y, t}: the clicked pixel (source pixels) and its tile
let paused = false; // the pause button: tiles stay as they are while the user looks at them
let shownIds = new Set(); // image ids with a tile now: the only ones whose pictures the server still has
const TILE = 112; // the tile picture's CSS size
let picking = false; // "define a concept": clicks and drags on a picture pick an example region
let pick = null; // {imageId, sourceWidth, sourceHeight, points: [[x, y]...], box: [x, y, w, h] or null}
let pressed = null; // a mouse press on a picture while picking: {t, rect, x, y}

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
  if (paused) { return; }
  const data = await getJson('/api/recent');
  // stable order: a live feed must not move a source's block from under the pointer
  data.sources.sort((a, b) => a.source_id < b.source_id ? -1 : a.source_id > b.source_id ? 1 : 0);
  document.getElementById('status').textContent = 'live · ' + data.sources.length + ' source(s)'
      + (data.dropped > 0 ? ' · console: ' + data.dropped + ' output(s) not shown (console queue full)' : '')
      + (data.skipped > 0 ? ' · console: ' + data.skipped + ' output(s) not drawn (over its render budget; '
          + 'not the frames policy)' : '');
  const key = data.sources.map(s => s.source_id + ':' + s.tiles.map(t => t.seq + (t.segmentable ? 's' : '')
      + (t.definable ? 'd' : '')).join(',')).join(';');
  if (key === shownSeq) { return; }
  shownSeq = key;
  shownIds = new Set(data.sources.flatMap(s => s.tiles.map(t => t.image_id)));
  showLegend(data.sources.flatMap(s => s.tiles));
  const root = document.getElementById('sources');
  root.replaceChildren(...data.sources.map(s => el('div', {className: 'source', 'data-source-id': s.source_id},
      el('h3', {textContent: s.source_id}),
      el('div', {className: 'tiles'}, ...s.tiles.map(tile)))));
}

function tile(t) {
  const q = 'image=' + encodeURIComponent(t.image_id);
  const src = el('img', {className: 'src' + (t.segmentable ? ' segmentable' : '') + (t.definable ? ' definable' : ''),
      src: '/api/image?' + q, draggable: false,
      alt: t.image_id, title: t.segmentable ? 'click a pixel to segment' : 'features no longer kept'});
  const feat = el('img', {className: 'feat', src: '/api/features?' + q, alt: 'features of ' + t.image_id});
  if (t.segmentable) {
    src.addEventListener('click', ev => {
      if (picking) { return; }
      // the tile letterboxes the picture (object-fit: contain), which may be a thumbnail: undo both to get
      // source-image pixels
      const scale = Math.min(src.clientWidth / src.naturalWidth, src.clientHeight / src.naturalHeight);
      const fx = (ev.offsetX - (src.clientWidth - src.naturalWidth * scale) / 2) / (src.naturalWidth * scale);
      const fy = (ev.offsetY - (src.clientHeight - src.naturalHeight * scale) / 2) / (src.naturalHeight * scale);
      const x = fx * t.source_width;
      const y = fy * t.source_height;
      segmentAt(t, x, y).catch(report);
    });
  } else {
    src.addEventListener('click', () => { if (!picking) { selectForSimilar(t.image_id); } });
  }
  src.addEventListener('mousedown', ev => {
    if (!picking) { return; }
    ev.preventDefault();
    if (!t.definable) {
      defineStatus('idle', 'the original of ' + t.image_id + ' is no longer kept: pick a newer image');
      return;
    }
    pressed = {t, rect: src.getBoundingClientRect(), x: ev.clientX, y: ev.clientY};
  });
  const frame = el('div', {className: 'frame'}, src);
  if (t.overlay) {
    frame.append(overlayImage(t));
  }
  frame.append(cropBox(t, TILE));
  if (selected && selected.imageId === t.image_id) {
    frame.append(clickedMark(t, TILE, selected.x, selected.y));
  }
  const cls = 'tile' + (selected && selected.imageId === t.image_id ? ' selected' : '');
  const div = el('div', {className: cls, 'data-image-id': t.image_id, 'data-seq': t.seq},
      frame, feat, el('div', {className: 'id', textContent: (t.segmentable ? '● ' : '') + t.image_id}));
  div.dataset.overlay = t.overlay ? 'true' : 'false';
  if (pick && pick.imageId === t.image_id) { drawMarks(frame); }
  return div;
}

/** Picture scale and offsets of a source image drawn with object-fit: contain in a TILE-sized box. */
function fit(t, box) {
  const s = Math.min(box / t.source_width, box / t.source_height);
  return {s, ox: (box - t.source_width * s) / 2, oy: (box - t.source_height * s) / 2};
}

/**
 * The part of the source image the model saw (its centre crop, or past the edges where it was padded) drawn on a
 * picture of the image fitted into a box-sized square: the features, heat map, mask and label map cover only this.
 */
function cropBox(t, box) {
  const f = fit(t, box);
  const r = t.model_input;
  const d = el('div', {className: 'crop', title: 'the part the model saw (features cover only this)'});
  Object.assign(d.style, {left: (f.ox + r.x * f.s) + 'px', top: (f.oy + r.y * f.s) + 'px',
      width: (r.width * f.s) + 'px', height: (r.height * f.s) + 'px'});
  return d;
}

/** A marker on the clicked source pixel (x, y) of a picture fitted into a box-sized square. */
function clickedMark(t, box, x, y) {
  const f = fit(t, box);
  const m = el('div', {className: 'clicked', title: 'clicked pixel (' + x.toFixed(0) + ', ' + y.toFixed(0) + ')'});
  Object.assign(m.style, {left: (f.ox + x * f.s) + 'px', top: (f.oy + y * f.s) + 'px'});
  return m;
}

// ---- label-map overlay ----
/** The tile's label map over its picture, placed on the source rectangle the model saw (from the server). */
function overlayImage(t) {
  const o = t.overlay;
  const f = fit(t, TILE);
  const img = el('img', {className: 'overlay', src: '/api/overlay?image=' + encodeURIComponent(t.image_id),
      alt: 'label map of ' + t.image_id, 'data-head-version': o.head_version});
  Object.assign(img.style, {left: (f.ox + o.x * f.s) + 'px', top: (f.oy + o.y * f.s) + 'px',
      width: (o.width * f.s) + 'px', height: (o.height * f.s) + 'px'});
  return img;
}

/** The legend of the newest tile's label map: each class's colour, name and pixel count. */
function showLegend(tiles) {
  const legend = document.getElementById('legend');
  const newest = tiles.filter(t => t.overlay).sort((a, b) => b.seq - a.seq)[0];
  if (!newest) { legend.hidden = true; return; }
  const o = newest.overlay;
  legend.hidden = false;
  legend.dataset.imageId = newest.image_id;
  legend.dataset.headVersion = o.head_version;
  legend.replaceChildren(el('span', {textContent: 'label map (' + o.head_kind + ' v' + o.head_version + ', '
      + newest.image_id + '):'}), ...o.classes.map(c => {
    const item = el('span', {className: 'item', 'data-name': c.name, 'data-label': c.label, 'data-color': c.color},
        el('i', {}), c.name + ' ' + c.pixels + ' px');
    item.firstChild.style.background = c.color;
    return item;
  }));
}

// ---- define a concept ----
function defineStatus(state, text) {
  const p = document.getElementById('define-status');
  p.dataset.state = state;
  p.textContent = text;
}

/** A viewport point to source-image pixels of tile t drawn in rect (object-fit: contain; thumbnails keep aspect). */
function toSource(t, rect, clientX, clientY) {
  const f = fit(t, rect.width);
  const x = (clientX - rect.left - f.ox) / f.s;
  const y = (clientY - rect.top - f.oy) / f.s;
  return [Math.max(0, Math.min(t.source_width - 0.001, x)), Math.max(0, Math.min(t.source_height - 0.001, y))];
}

document.addEventListener('mouseup', ev => {
  if (!pressed) { return; }
  const {t, rect, x, y} = pressed;
  pressed = null;
  const a = toSource(t, rect, x, y);
  const b = toSource(t, rect, ev.clientX, ev.clientY);
  if (!pick || pick.imageId !== t.image_id) {
    pick = {imageId: t.image_id, sourceWidth: t.source_width, sourceHeight: t.source_height, points: [], box: null};
  }
  if (Math.hypot(ev.clientX - x, ev.clientY - y) < 5) {
    pick.points.push(a);
    pick.box = null;
  } else {
    pick.box = [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1])];
    pick.points = [];
  }
  showPick();
});

function showPick() {
  for (const f of document.querySelectorAll('.tile .frame')) {
    for (const m of f.querySelectorAll('.mark')) { m.remove(); }
  }
  const section = document.getElementById('define');
  section.dataset.imageId = pick ? pick.imageId : '';
  section.dataset.points = pick ? pick.points.length : 0;
  section.dataset.box = pick && pick.box ? pick.box.map(v => v.toFixed(1)).join(',') : '';
  if (!pick) { defineStatus('idle', ''); return; }
  const tileEl = document.querySelector(".tile[data-image-id='" + CSS.escape(pick.imageId) + "'] .frame");
  if (tileEl) { drawMarks(tileEl); }
  defineStatus('picked', pick.imageId + ': ' + (pick.box ? 'box ' + pick.box.map(v => v.toFixed(0)).join(',')
      : pick.points.length + ' point(s)') + ' (source pixels)');
}

function drawMarks(frame) {
  const t = {source_width: pick.sourceWidth, source_height: pick.sourceHeight};
  const f = fit(t, TILE);
  if (pick.box) {
    const m = el('div', {className: 'mark box'});
    Object.assign(m.style, {left: (f.ox + pick.box[0] * f.s) + 'px', top: (f.oy + pick.box[1] * f.s) + 'px',
        width: (pick.box[2] * f.s) + 'px', height: (pick.box[3] * f.s) + 'px'});
    frame.append(m);
  }
  for (const [x, y] of pick.points) {
    const m = el('div', {className: 'mark'});
    Object.assign(m.style, {left: (f.ox + x * f.s) + 'px', top: (f.oy + y * f.s) + 'px'});
    frame.append(m);
  }
}

async function saveConcept() {
  const name = document.getElementById('concept-name').value.trim();
  if (!pick || (!pick.box && pick.points.length === 0)) {
    defineStatus('error', 'pick points or drag a box on a recent image first');
    return;
  }
  if (!name) {
    defineStatus('error', 'give the concept a name');
    return;
  }
  const body = {image_id: pick.imageId, name, threshold: Number(document.getElementById('concept-threshold').value),
      append: document.getElementById('concept-append').checked,
      radius: Math.max(pick.sourceWidth, pick.sourceHeight) / 100};
  if (pick.box) { body.box = pick.box; } else { body.points = pick.points; }
  defineStatus('saving', 'building ' + name + ' from ' + pick.imageId + ' and writing it…');
  const r = await fetch('/api/concepts', {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify(body)});
  const answer = await r.json();
  if (!r.ok) {
    defineStatus('error', 'not saved (HTTP ' + r.status + '): ' + answer.error);
    return;
  }
  pick = null;
  showPick();
  const p = document.getElementById('define-status');
  p.dataset.name = answer.name;
  p.dataset.offset = answer.offset;
  defineStatus('saved', 'saved ' + answer.name + ' (' + answer.prototypes + ' example(s), threshold '
      + answer.threshold + ') at offset ' + answer.offset + ' of ' + answer.topic
      + ': frames processed after the pipeline reads it are labelled with it');
}

// ---- click-to-segment ----
const VIEW = 170; // the CSS size of the heat map and mask views

async function segmentAt(t, x, y) {
  const imageId = t.image_id;
  selected = {imageId, x, y, t};
  for (const f of document.querySelectorAll('.tile .frame .clicked')) { f.remove(); }
  const frame = document.querySelector(".tile[data-image-id='" + CSS.escape(imageId) + "'] .frame");
  if (frame) { frame.append(clickedMark(t, TILE, x, y)); }
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
    // the mask in yellow over the image; outside it the image shows through
    m.data.set(sim[p] >= s.threshold ? [255, 255, 0, 255] : [0, 0, 0, 0], 4 * p);
  }
  heat.getContext('2d').putImageData(h, 0, 0);
  mask.getContext('2d').putImageData(m, 0, 0);
  // both drawn over the image, on the rectangle the model saw, with the clicked pixel marked
  const f = fit(t, VIEW);
  const r = t.model_input;
  for (const c of [heat, mask]) {
    Object.assign(c.style, {left: (f.ox + r.x * f.s) + 'px', top: (f.oy + r.y * f.s) + 'px',
        width: (r.width * f.s) + 'px', height: (r.height * f.s) + 'px'});
    const view = c.parentElement;
    view.querySelector('img.under').src = '/api/image?image=' + encodeURIComponent(imageId);
    for (const old of view.querySelectorAll('.clicked')) { old.remove(); }
    view.append(clickedMark(t, VIEW, x, y));
  }
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
  if (!r.ok) { throw new Error('upload: HTTP ' + r.status + ' ' + body.error); }
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
  // the legend flows left to right and wraps, each name shortened with … to fit the plot's width (fixed columns
  // clipped long stage/reason names); the boxes are kept on the canvas for the browser test
  const legend = [];
  let lx = left + 4, ly = 10;
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
    let name = s.name;
    let tw = g.measureText(name).width;
    while (tw > w - left - 8 && name.length > 1) {
      name = name.slice(0, -2) + '…';
      tw = g.measureText(name).width;
    }
    if (lx + tw > w - 2 && lx > left + 4) {
      lx = left + 4;
      ly += 11;
    }
    g.fillText(name, lx, ly);
    legend.push([lx, ly, tw].map(v => Math.round(v * 10) / 10));
    lx += tw + 10;
  });
  c.dataset.legend = JSON.stringify(legend);
  c.dataset.points = n;
  c.dataset.max = series.length ? Math.max(0, ...series.flatMap(s => s.values.filter(v => v != null))) : 0;
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
  showFrames(m.frames ?? []);
}

/** The frames-policy panel: per source, processed frames with their age and the frames the policy skipped. */
function showFrames(rows) {
  const ms = v => v == null ? '—' : v.toFixed(0);
  document.getElementById('frames').replaceChildren(...rows.map(f => el('tr', {'data-source': f.source_id,
      'data-processed': f.processed, 'data-stale': f.skipped.STALE ?? 0, 'data-sampled': f.skipped.SAMPLED ?? 0},
      el('td', {textContent: f.source_id}), el('td', {textContent: f.processed}),
      el('td', {textContent: f.skipped.STALE ?? 0}), el('td', {textContent: f.skipped.SAMPLED ?? 0}),
      el('td', {textContent: ms(f.age_mean_ms)}), el('td', {textContent: ms(f.age_max_ms)}))));
}

// ---- dead letters ----
async function pollDeadLetters() {
  const list = await getJson('/api/deadletters');
  document.getElementById('dead-letters').replaceChildren(...list.map(d => el('tr', {'data-seq': d.seq,
      'data-stage': d.stage, 'data-reason': d.reason},
      el('td', {textContent: new Date(d.timestamp).toISOString()}), el('td', {textContent: d.stage}),
      el('td', {textContent: d.reason}), el('td', {textContent: d.source_id ?? '—'}),
      el('td', {textContent: d.image_id ?? '—'}),
      el('td', {className: 'msg', textContent: d.message, title: d.message}),
      el('td', {}, d.downloadable ? el('a', {href: '/api/deadletter?seq=' + d.seq, textContent: d.bytes + ' B',
          className: 'value', title: 'the record value as it was on the input topic (Avro wire format)',
          download: 'dead-letter-' + d.seq + '-value.avro'}) : d.bytes + ' B (too large to keep)',
          d.image ? ' · ' : '', d.image ? el('a', {href: '/api/deadletter?seq=' + d.seq + '&as=image',
          className: 'image', textContent: 'image', title: d.image.content_type, download: d.image.file}) : ''))));
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
  if (status.concepts_enabled) {
    document.getElementById('define').hidden = false;
    document.getElementById('define-mode').addEventListener('change', ev => {
      picking = ev.target.checked;
      document.body.classList.toggle('picking', picking);
    });
    document.getElementById('concept-save').addEventListener('click', () => saveConcept().catch(e =>
        defineStatus('error', 'not saved: ' + e.message)));
    document.getElementById('concept-clear').addEventListener('click', () => { pick = null; showPick(); });
    const mode = document.getElementById('mode');
    mode.textContent = mode.textContent.replace('read-only', 'writes concepts');
  } else {
    const off = document.getElementById('define-off');
    off.hidden = false;
    off.textContent = status.concepts_message;
  }
  document.getElementById('threshold').addEventListener('change', () => {
    if (selected) { segmentAt(selected.t, selected.x, selected.y).catch(report); }
  });
  const pause = document.getElementById('pause');
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? 'resume' : 'pause';
    pause.dataset.paused = String(paused);
    if (!paused) { shownSeq = ''; }
  });
  every(1000, pollRecent);
  every(1000, pollMetrics);
  every(2000, pollDeadLetters);
}

init().catch(report);
