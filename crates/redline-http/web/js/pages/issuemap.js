// 问题分布图: a printable map of the ledger's issues for a county or a reserve, with legend,
// scale bar, north arrow and date, on A4 or A3 landscape.

import { h, clear, today, setPrintPage } from '../dom.js';
import { STATUSES } from '../labels.js';
import { createMap, disposeMap, addCounties, addReserves, bboxOf, countyFeatures, layerByRule, features, CITY_BBOX } from '../mapkit.js';
import { filterOptions } from './ledgerfilter.js';
import { addIssueLayers, loadIssues } from './inspect.js';

function northArrow() {
  const ns = 'http://www.w3.org/2000/svg';
  const s = document.createElementNS(ns, 'svg');
  s.setAttribute('viewBox', '0 0 40 60');
  s.setAttribute('width', '30');
  s.setAttribute('height', '45');
  s.setAttribute('role', 'img');
  s.setAttribute('aria-label', '指北针');
  s.innerHTML = '<path d="M20 2 L34 44 L20 34 L6 44 Z" fill="#222"/><path d="M20 2 L20 34 L6 44 Z" fill="#fff" stroke="#222" stroke-width="1.5"/><text x="20" y="58" text-anchor="middle" font-size="13" font-weight="bold">北</text>';
  return h('div', { class: 'north-arrow', id: 'north-arrow' }, s);
}

export async function render(main, ctx) {
  const state = { map: null, disposed: false };
  const params = ctx.params;
  let county = params.get('county') || '';
  let reserve = params.get('reserve') || '';
  let paper = params.get('paper') === 'a3' ? 'a3' : 'a4';

  const countySel = h('select', { id: 'im-county' }, h('option', { value: '' }, '全市'));
  const reserveSel = h('select', { id: 'im-reserve' }, h('option', { value: '' }, '（不限保护区）'));
  const paperSel = h('select', { id: 'im-paper' }, h('option', { value: 'a4', selected: paper === 'a4' }, 'A4 横向'), h('option', { value: 'a3', selected: paper === 'a3' }, 'A3 横向'));
  filterOptions().then((o) => {
    for (const c of o.county) countySel.append(h('option', { value: c, selected: c === county }, c));
    for (const r of o.reserve) reserveSel.append(h('option', { value: r, selected: r === reserve }, r));
  });
  const apply = () => {
    county = countySel.value;
    reserve = reserveSel.value;
    paper = paperSel.value;
    const q = new URLSearchParams();
    if (county) q.set('county', county);
    if (reserve) q.set('reserve', reserve);
    if (paper !== 'a4') q.set('paper', paper);
    history.replaceState(null, '', `#/issuemap${q.toString() ? `?${q}` : ''}`);
    layoutPaper();
    draw();
  };
  main.append(h('div', { class: 'toolbar no-print' },
    h('label', { for: 'im-county' }, '县区'), countySel,
    h('label', { for: 'im-reserve' }, '保护区'), reserveSel,
    h('label', { for: 'im-paper' }, '纸张'), paperSel,
    h('button', { type: 'button', class: 'btn', id: 'im-apply', onclick: apply }, '生成'),
    h('button', { type: 'button', class: 'btn-primary', id: 'im-print', onclick: () => window.print() }, '打印')));

  const title = h('h1', { id: 'im-title' });
  const mapEl = h('div', { class: 'map', id: 'issuemap-map' });
  const legend = h('div', { class: 'map-legend' },
    h('strong', {}, '图例'),
    STATUSES.map(([, l, col]) => h('div', {}, h('span', { class: 'dot', style: `background:${col}` }), l)),
    h('div', {}, h('span', { class: 'ring' }), '重点问题'),
    h('div', {}, h('span', { class: 'swatch', style: 'background:rgba(27,94,32,.35)' }), '自然保护地（深色为核心区）'),
    h('div', {}, h('span', { class: 'swatch', style: 'border:1px dashed #5d4037;background:none' }), '县级界线'));
  const count = h('span', { id: 'im-count' });
  const paperEl = h('div', { class: `issuemap-paper ${paper}`, id: 'issuemap-paper' },
    title,
    h('div', { class: 'issuemap-map' }, mapEl, northArrow(), legend),
    h('div', { class: 'issuemap-foot' }, count, h('span', {}, '数据来源：绿盾问题台账'), h('span', { id: 'im-date' }, `制图日期：${today()}`)));
  main.append(paperEl);

  function layoutPaper() {
    paperEl.className = `issuemap-paper ${paper}`;
    setPrintPage(`size: ${paper === 'a3' ? 'A3' : 'A4'} landscape; margin: 0`);
    state.map?.resize();
  }
  layoutPaper();

  async function extent(fc) {
    if (reserve) {
      const l = await layerByRule('reserve_zones');
      if (l) {
        try {
          const r = await features(l.name, CITY_BBOX);
          const mine = { type: 'FeatureCollection', features: r.features.filter((f) => (f.properties.BHQMC || f.properties.reserve) === reserve) };
          const b = bboxOf(mine);
          if (b) return b;
        } catch { /* fall through */ }
      }
    }
    if (county) {
      const cf = await countyFeatures();
      const mine = cf && { type: 'FeatureCollection', features: cf.features.filter((f) => (f.properties.XZQMC || f.properties.name) === county || f.properties.XZQDM === county) };
      const b = mine && bboxOf(mine);
      if (b) return b;
    }
    return bboxOf(fc) || bboxOf((await countyFeatures()) || { type: 'FeatureCollection', features: [] });
  }

  async function draw() {
    const map = state.map;
    if (!map) return;
    title.textContent = `${reserve || county || '景德镇市'}绿盾遥感问题分布图`;
    let fc;
    try {
      fc = await loadIssues({ county, reserve });
    } catch (e) {
      clear(count).append(`无法读取问题：${e.message}`);
      return;
    }
    map.getSource('issues').setData(fc);
    const n = fc.features.length;
    const focus = fc.features.filter((f) => f.properties.focus).length;
    clear(count).append(`问题 ${n} 个，其中重点问题 ${focus} 个`);
    const b = await extent(fc);
    if (b) map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 40, maxZoom: 15, duration: 0 });
  }

  createMap(mapEl, { preserveDrawingBuffer: true, noControls: true }).then(async (map) => {
    if (state.disposed) {
      disposeMap(map);
      return;
    }
    state.map = map;
    const m = await import('/static/vendor/maplibre-gl/maplibre-gl.mjs');
    map.addControl(new m.ScaleControl({ unit: 'metric', maxWidth: 160 }), 'bottom-right');
    await addReserves(map);
    await addCounties(map);
    addIssueLayers(map, { cluster: false });
    draw();
  });

  return () => {
    state.disposed = true;
    disposeMap(state.map);
    setPrintPage('');
  };
}
