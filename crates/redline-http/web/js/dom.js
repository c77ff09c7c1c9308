// Small DOM and formatting helpers shared by every page.

/** h('div', {class: 'x', onclick: f}, child, …): an element. Children may be strings,
 *  nodes, arrays or null/undefined/false (skipped). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (k === 'value' && 'value' in el) {
      el.value = v;
    } else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden') {
      el[k] = Boolean(v);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** SVG element. */
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** 1 亩 = 10000/15 m² (≈ 666.6667 m²); 1 公顷 = 10000 m². */
export const M2_PER_MU = 10000 / 15;
export const M2_PER_HA = 10000;

export function fmt(v, digits = 2) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  return Number(v).toLocaleString('zh-CN', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}
export const m2 = (v) => fmt(v, 2);
export const mu = (v) => (v === null || v === undefined ? '—' : fmt(v / M2_PER_MU, 4));
export const ha = (v) => (v === null || v === undefined ? '—' : fmt(v / M2_PER_HA, 4));

function parts(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  const p = (n) => String(n).padStart(2, '0');
  return { d, date: `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`, time: `${p(d.getHours())}:${p(d.getMinutes())}` };
}

/** "2026-12-02T08:15:00Z" → "2026-12-02 16:15" in the browser's time zone (for print). */
export function whenFull(iso) {
  if (!iso) return '—';
  const x = parts(iso);
  return x ? `${x.date} ${x.time}` : iso;
}

/** A time on screen: 今天 / 昨天 / N 天前 / the date; the exact time is in `title`. */
export function when(iso) {
  if (!iso) return '—';
  const x = parts(iso);
  if (!x) return iso;
  const midnight = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((midnight(new Date()) - midnight(x.d)) / 86400000);
  const text = days === 0 ? '今天' : days === 1 ? '昨天' : days > 1 && days < 7 ? `${days} 天前` : x.date;
  const el = document.createElement('time');
  el.dateTime = iso;
  el.title = `${x.date} ${x.time}`;
  el.textContent = text;
  return el;
}

export function today() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** A message line (role=status or alert). kind: info | ok | error. */
export function notice(el, kind, text) {
  clear(el);
  el.className = `notice notice-${kind}`;
  el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  if (text) el.append(text);
  el.hidden = !text;
}

/** Rows that act as buttons: click or Enter/Space. */
export function rowAction(tr, fn) {
  tr.tabIndex = 0;
  tr.classList.add('clickable');
  tr.addEventListener('click', fn);
  tr.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      fn(e);
    }
  });
}

/** A file drop zone around a file input: drag-and-drop or click/Enter to pick. */
export function dropZone({ id, accept, multiple, label, hint, onFiles }) {
  const input = h('input', { type: 'file', id: `${id}-input`, accept, multiple: multiple || false, class: 'visually-hidden' });
  const zone = h('label', { class: 'dropzone', id, for: `${id}-input`, tabindex: '0' },
    h('strong', {}, label), h('span', { class: 'hint' }, hint), input);
  input.addEventListener('change', () => {
    if (input.files && input.files.length) onFiles([...input.files]);
    input.value = '';
  });
  zone.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      input.click();
    }
  });
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const files = [...(e.dataTransfer?.files || [])];
    if (files.length) onFiles(files);
  });
  return zone;
}

/** A spinner with the seconds elapsed; returns {el, stop()}. */
export function spinner(text) {
  const secs = h('span', { class: 'elapsed' }, '0');
  const el = h('div', { class: 'busy', role: 'status', 'aria-live': 'polite' },
    h('span', { class: 'spin', 'aria-hidden': 'true' }), ` ${text}，已用 `, secs, ' 秒');
  const t0 = performance.now();
  const timer = setInterval(() => {
    secs.textContent = String(Math.floor((performance.now() - t0) / 1000));
  }, 250);
  return { el, stop() { clearInterval(timer); el.remove(); } };
}

/** Set the @page rule for printing the current page (A4 portrait, A3 landscape …). */
export function setPrintPage(css) {
  let st = document.getElementById('print-page');
  if (!st) {
    st = h('style', { id: 'print-page' });
    document.head.append(st);
  }
  st.textContent = css ? `@page { ${css} }` : '';
}

export function select(id, options, value, attrs = {}) {
  return h('select', { id, name: id, ...attrs },
    options.map(([v, label]) => h('option', { value: v, selected: String(v) === String(value ?? '') }, label)));
}
