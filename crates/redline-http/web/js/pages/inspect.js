// 巡查: the ledger's issues on the map (coloured by status, focus issues ringed, clustered at
// low zoom) and in a list, with the same filters; an issue's details, history and look-back
// links, and the life-cycle moves the role allows; importing a clue list and seeing it placed.

import { api, upload } from '../api.js';
import { h, clear, fmt, when, notice, rowAction, dropZone, spinner } from '../dom.js';
import { STATUSES, STATUS_CN, STATUS_COLOR, TRANSITIONS, ZONE_CN } from '../labels.js';
import { createMap, disposeMap, addCounties, addReserves, textLayout, bboxOf } from '../mapkit.js';
import { filterForm, ledgerQuery, filterFromParams } from './ledgerfilter.js';

const EMPTY = { type: 'FeatureCollection', features: [] };
const PAGE = 50;
const STATUS_BY_CN = Object.fromEntries(STATUSES.map(([c, l]) => [l, c]));

/** One exported feature → the few properties the map needs. */
export function issuePoint(f) {
  const p = f.properties || {};
  const statusRaw = p.status ?? p.ZT ?? '';
  const status = STATUS_CN[statusRaw] ? statusRaw : (STATUS_BY_CN[statusRaw] || 'pending');
  const yes = (v) => v === true || v === '是' || v === 'true' || v === 1;
  return {
    type: 'Feature',
    geometry: f.geometry?.type === 'Point' ? f.geometry
      : { type: 'Point', coordinates: [Number(p.lon ?? p.JD), Number(p.lat ?? p.WD)] },
    properties: {
      id: Number(p.id ?? p.TZID),
      status,
      focus: yes(p.focus ?? p.ZDWT),
      overdue: yes(p.overdue ?? p.YQ),
      activity: p.activity ?? p.HDLX ?? '',
    },
  };
}

/** The issue layers (shared with the printable issue map). */
export function addIssueLayers(map, { cluster = true } = {}) {
  map.addSource('issues', cluster
    ? { type: 'geojson', data: EMPTY, cluster: true, clusterMaxZoom: 11, clusterRadius: 40 }
    : { type: 'geojson', data: EMPTY });
  const colour = ['match', ['get', 'status']];
  for (const [c, , col] of STATUSES) colour.push(c, col);
  colour.push('#fb8c00');
  if (cluster) {
    map.addLayer({ id: 'issues-clusters', type: 'circle', source: 'issues', filter: ['has', 'point_count'],
      paint: {
        'circle-color': '#37474f', 'circle-opacity': 0.8, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2,
        'circle-radius': ['step', ['get', 'point_count'], 14, 10, 18, 100, 24, 1000, 30],
      } });
    map.addLayer({ id: 'issues-cluster-count', type: 'symbol', source: 'issues', filter: ['has', 'point_count'],
      layout: textLayout(['get', 'point_count_abbreviated'], 12, { 'text-allow-overlap': true }),
      paint: { 'text-color': '#ffffff' } });
  }
  const single = cluster ? ['!', ['has', 'point_count']] : ['all'];
  map.addLayer({ id: 'issues-focus', type: 'circle', source: 'issues', filter: ['all', single, ['==', ['get', 'focus'], true]],
    paint: { 'circle-radius': 11, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#b71c1c', 'circle-stroke-width': 2.5 } });
  map.addLayer({ id: 'issues-points', type: 'circle', source: 'issues', filter: single,
    paint: { 'circle-radius': 6, 'circle-color': colour, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5 } });
}

export async function loadIssues(values) {
  const fc = await api('GET', '/api/ledger/export', { query: { format: 'geojson', ...ledgerQuery(values) } });
  let feats = (fc.features || []).map(issuePoint).filter((f) => Number.isFinite(f.geometry.coordinates[0]));
  if (values.activity) feats = feats.filter((f) => f.properties.activity === values.activity);
  return { type: 'FeatureCollection', features: feats };
}

function legend() {
  return h('div', { class: 'map-legend', id: 'issues-legend', 'aria-label': '图例' },
    h('strong', {}, '整改状态'),
    STATUSES.map(([, l, col]) => h('div', {}, h('span', { class: 'dot', style: `background:${col}` }), l)),
    h('div', {}, h('span', { class: 'ring' }), '重点问题'),
    h('div', {}, h('span', { class: 'dot cluster' }), '聚合（数字为问题数）'));
}

export async function render(main, ctx) {
  const state = { map: null, disposed: false, values: filterFromParams(ctx.params), offset: 0, selected: null };
  const side = h('section', { class: 'side', 'aria-label': '问题台账' });
  const mapEl = h('div', { id: 'inspect-map', class: 'map', role: 'region', 'aria-label': '问题分布地图' });
  const drawer = h('aside', { id: 'issue-detail', class: 'drawer', hidden: true, 'aria-label': '问题详情' });
  main.append(h('div', { class: 'inspect-layout' }, side, h('div', { class: 'map-wrap' }, mapEl, legend(), drawer)));

  const filters = filterForm('lf', state.values, (v) => {
    state.values = v;
    state.offset = 0;
    reload();
  });
  side.append(h('div', { class: 'card' }, h('h2', {}, '筛选'), filters.form));

  if (ctx.can('inspect')) {
    const msg = h('p', { id: 'import-message', class: 'notice', hidden: true });
    const result = h('div', { id: 'import-result' });
    side.append(h('div', { class: 'card' }, h('h2', {}, '导入线索清单'),
      dropZone({
        id: 'import-zone',
        accept: '.csv,.xlsx,.geojson,.json,.zip',
        multiple: true,
        label: '拖入线索清单，或点击选择',
        hint: 'CSV（GBK 或 UTF-8）、XLSX、GeoJSON 或压缩的 Shapefile (.zip)；落图后导入台账',
        onFiles: (files) => importClues(files, msg, result),
      }), msg, result));
  }
  const listMsg = h('p', { class: 'notice', hidden: true });
  const list = h('div', { id: 'ledger-list' });
  side.append(h('div', { class: 'card' }, h('h2', {}, '问题清单'), listMsg, list));

  async function importClues(files, msg, result) {
    notice(msg, 'info', '');
    clear(result);
    const spin = spinner(`正在落图并导入 ${files.map((f) => f.name).join('、')}`);
    msg.after(spin.el);
    try {
      const rep = await upload('/api/inspections', files, { import: 'true' });
      spin.stop();
      const s = rep.summary || {};
      const im = rep.import || {};
      notice(msg, 'ok', `落图完成：线索 ${s.clues ?? 0} 条，保护区内 ${s.in_reserve ?? 0}，边界附近 ${s.near_boundary ?? 0}，区外 ${s.outside ?? 0}；台账新增 ${im.added ?? 0} 条，未变 ${im.unchanged ?? 0} 条${im.differences?.length ? `，有变化 ${im.differences.length} 条` : ''}${im.links?.length ? `，回头看关联 ${im.links.length} 条` : ''}。`);
      const problems = [...(rep.problems || []), ...(rep.warnings || [])].map((x) => (typeof x === 'string' ? x : x.message || JSON.stringify(x)));
      if (problems.length) {
        result.append(h('div', { class: 'notice notice-error', id: 'import-problems', role: 'alert' },
          h('strong', {}, `${problems.length} 行未能落图：`), h('ul', {}, problems.map((t) => h('li', {}, t)))));
      }
      const clues = rep.clues || [];
      result.append(h('table', { class: 'grid', id: 'import-table' },
        h('thead', {}, h('tr', {}, ['线索', '县区', '保护区', '分区', '重点'].map((t) => h('th', {}, t)))),
        h('tbody', {}, clues.slice(0, 100).map((c) => h('tr', {},
          h('td', {}, c.id), h('td', {}, c.county || '—'), h('td', {}, c.reserve || '区外'),
          h('td', {}, c.zone_cn || (c.distance_m ? `距边界 ${fmt(c.distance_m, 0)} 米` : '—')), h('td', {}, c.focus ? '是' : ''))))));
      if (clues.length > 100) result.append(h('p', { class: 'muted' }, `仅列出前 100 条，共 ${clues.length} 条。`));
      const placed = { type: 'FeatureCollection', features: clues.map((c) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [c.lon, c.lat] }, properties: { id: c.id } })) };
      if (state.map) {
        state.map.getSource('import-placed').setData(placed);
        const b = bboxOf(placed);
        if (b) state.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 60, maxZoom: 14, duration: 0 });
      }
      filters.refresh();
      reload();
    } catch (e) {
      spin.stop();
      notice(msg, 'error', `导入失败：${e.message}`);
    }
  }

  // ---- map ----
  createMap(mapEl).then(async (map) => {
    if (state.disposed) {
      disposeMap(map);
      return;
    }
    state.map = map;
    await addReserves(map);
    await addCounties(map);
    map.addSource('import-placed', { type: 'geojson', data: EMPTY });
    map.addLayer({ id: 'import-placed', type: 'circle', source: 'import-placed',
      paint: { 'circle-radius': 9, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#00bcd4', 'circle-stroke-width': 2 } });
    addIssueLayers(map);
    map.addSource('issue-selected', { type: 'geojson', data: EMPTY });
    map.addLayer({ id: 'issue-selected', type: 'circle', source: 'issue-selected',
      paint: { 'circle-radius': 14, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#212121', 'circle-stroke-width': 3 } });
    map.on('click', 'issues-clusters', async (e) => {
      const f = e.features[0];
      const z = await map.getSource('issues').getClusterExpansionZoom(f.properties.cluster_id);
      map.easeTo({ center: f.geometry.coordinates, zoom: z + 0.5 });
    });
    map.on('click', 'issues-points', (e) => selectIssue(e.features[0].properties.id));
    for (const id of ['issues-clusters', 'issues-points']) {
      map.on('mouseenter', id, () => { map.getCanvas().style.cursor = 'pointer'; });
      map.on('mouseleave', id, () => { map.getCanvas().style.cursor = ''; });
    }
    await drawIssues(true);
    if (ctx.id) selectIssue(Number(ctx.id), true);
  });

  async function drawIssues(fit) {
    if (!state.map) return;
    let fc;
    try {
      fc = await loadIssues(state.values);
    } catch (e) {
      notice(listMsg, 'error', `无法读取问题分布：${e.message}`);
      return;
    }
    if (state.disposed) return;
    state.map.getSource('issues').setData(fc);
    const b = bboxOf(fc);
    if (fit && b) state.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 60, maxZoom: 13, duration: 0 });
  }

  // ---- list ----
  async function loadList() {
    let body;
    try {
      body = await api('GET', '/api/ledger', { query: { ...ledgerQuery(state.values), offset: state.offset, limit: PAGE } });
    } catch (e) {
      notice(listMsg, 'error', `无法读取台账：${e.message}`);
      return;
    }
    notice(listMsg, 'info', '');
    let entries = body.entries;
    if (state.values.activity) entries = entries.filter((e) => e.activity === state.values.activity);
    clear(list);
    list.append(h('p', { class: 'meta', id: 'ledger-count' }, `共 ${body.total} 个问题`));
    if (!entries.length) {
      list.append(h('p', { class: 'muted' }, '没有符合条件的问题。'));
      return;
    }
    list.append(h('table', { id: 'ledger-table', class: 'grid' },
      h('thead', {}, h('tr', {}, ['编号', '线索', '县区', '保护区', '活动类型', '状态'].map((t) => h('th', {}, t)))),
      h('tbody', {}, entries.map((e) => {
        const tr = h('tr', { dataset: { issue: String(e.id) }, class: e.id === state.selected ? 'selected' : null },
          h('td', {}, e.id), h('td', { class: 'nowrap' }, e.clue_id), h('td', { class: 'nowrap' }, e.county || '—'),
          h('td', { title: e.zone_cn || ZONE_CN[e.zone] || '' }, e.reserve ? `${e.reserve} ${e.zone_cn || ZONE_CN[e.zone] || ''}` : '区外'), h('td', {}, e.activity),
          h('td', {}, h('span', { class: 'status-dot', style: `background:${STATUS_COLOR[e.status]}` }), e.status_cn || STATUS_CN[e.status],
            e.focus ? h('span', { class: 'tag focus' }, '重点') : null, e.overdue ? h('span', { class: 'tag overdue' }, '逾期') : null));
        rowAction(tr, () => selectIssue(e.id, true));
        return tr;
      }))));
    const pager = h('div', { class: 'pager' });
    if (state.offset > 0) pager.append(h('button', { type: 'button', class: 'btn', onclick: () => { state.offset = Math.max(0, state.offset - PAGE); loadList(); } }, '上一页'));
    pager.append(h('span', {}, ` ${state.offset + 1}–${Math.min(state.offset + PAGE, body.total)} / ${body.total} `));
    if (state.offset + PAGE < body.total) pager.append(h('button', { type: 'button', class: 'btn', onclick: () => { state.offset += PAGE; loadList(); } }, '下一页'));
    list.append(pager);
  }

  function reload() {
    loadList();
    drawIssues(false);
  }

  // ---- one issue ----
  async function selectIssue(id, fly) {
    state.selected = id;
    history.replaceState(null, '', `#/inspect/${id}`);
    document.querySelectorAll('#ledger-table tr[data-issue]').forEach((tr) => tr.classList.toggle('selected', tr.dataset.issue === String(id)));
    drawer.hidden = false;
    clear(drawer).append(h('p', { class: 'loading' }, `正在打开问题 ${id}…`));
    let body;
    try {
      body = await api('GET', `/api/ledger/${id}`);
    } catch (e) {
      clear(drawer).append(closeButton(), h('p', { class: 'notice notice-error', role: 'alert' }, `无法打开问题 ${id}：${e.message}`));
      return;
    }
    const e = body.entry;
    if (state.map) {
      state.map.getSource('issue-selected')?.setData({ type: 'Feature', geometry: { type: 'Point', coordinates: [e.lon, e.lat] }, properties: {} });
      if (fly) state.map.easeTo({ center: [e.lon, e.lat], zoom: Math.max(state.map.getZoom(), 12), padding: { right: 400, left: 0, top: 0, bottom: 0 }, duration: 0 });
    }
    renderIssue(body);
  }

  function closeButton() {
    return h('button', { type: 'button', class: 'btn-quiet close', 'aria-label': '关闭详情', onclick: () => {
      drawer.hidden = true;
      state.map?.easeTo({ padding: { right: 0, left: 0, top: 0, bottom: 0 }, duration: 0 });
    } }, '×');
  }

  function renderIssue({ entry: e, history: hist, links }) {
    clear(drawer);
    const row = (k, v) => (v === null || v === undefined || v === '' ? null : h('tr', {}, h('th', {}, k), h('td', {}, v)));
    drawer.append(closeButton(),
      h('h2', {}, `问题 ${e.id}`, h('span', { class: 'status-chip', id: 'issue-status', dataset: { status: e.status }, style: `background:${STATUS_COLOR[e.status]}` }, e.status_cn || STATUS_CN[e.status])),
      h('table', { class: 'kv', id: 'issue-fields' }, h('tbody', {},
        row('线索编号', e.clue_id), row('批次 / 年度', `${e.batch}${e.year ? ` / ${e.year}` : ''}`),
        row('县区', e.county), row('保护区', e.reserve ? `${e.reserve}${e.reserve_level ? `（${e.reserve_level}）` : ''}` : '区外'),
        row('功能分区', e.zone_cn || ZONE_CN[e.zone]), row('距保护区', e.distance_m ? `${fmt(e.distance_m, 0)} 米` : null),
        row('活动类型', e.activity), row('面积', e.area_m2 ? `${fmt(e.area_m2, 2)} m²` : null),
        row('经纬度', `${e.lon.toFixed(6)}, ${e.lat.toFixed(6)}`),
        row('重点问题', e.focus ? `是：${(e.focus_reasons || []).join('；')}` : '否'),
        row('责任部门', (e.departments || []).join('、')),
        row('整改时限', e.deadline ? `${e.deadline}${e.overdue ? '（已逾期）' : ''}` : null),
        row('责任单位', e.responsible_unit), row('整改措施', e.measures),
        row('版本', String(e.version)), row('更新时间', when(e.updated_at)))));

    if (ctx.can('inspect')) {
      const moves = TRANSITIONS.filter(([from]) => from === e.status);
      const box = h('div', { class: 'transitions', id: 'transition-buttons' }, h('h3', {}, '办理'));
      const formHolder = h('div');
      for (const [, to, reopen] of moves) {
        box.append(h('button', { type: 'button', class: reopen ? 'btn' : 'btn-primary', id: `transition-${to}`,
          onclick: () => showTransitionForm(e, to, reopen, formHolder) }, `${reopen ? '退回' : '转为'} ${STATUS_CN[to]}`));
      }
      if (!moves.length) box.append(h('p', { class: 'muted' }, '此状态没有可办理的操作。'));
      drawer.append(box, formHolder);
    }

    drawer.append(h('h3', {}, '办理记录'),
      h('table', { class: 'grid', id: 'issue-history' },
        h('thead', {}, h('tr', {}, ['时间', '办理人', '变化', '原因'].map((t) => h('th', {}, t)))),
        h('tbody', {}, [...(hist || [])].reverse().map((r) => h('tr', {},
          h('td', {}, when(r.at)), h('td', {}, r.who),
          h('td', {}, r.from && r.to ? `${STATUS_CN[r.from]} → ${STATUS_CN[r.to]}` : (r.action === 'import' ? '导入' : r.action)),
          h('td', {}, [r.reason, r.deadline ? `时限 ${r.deadline}` : '', r.unit ? `单位 ${r.unit}` : ''].filter(Boolean).join('；')))))));

    drawer.append(h('h3', {}, '回头看'));
    if (!links || !links.length) drawer.append(h('p', { class: 'muted' }, '没有相关的往年问题。'));
    else {
      drawer.append(h('ul', { class: 'links', id: 'issue-links' }, links.map((l) => {
        const other = l.issue_id === e.id ? l.earlier_id : l.issue_id;
        const otherClue = l.issue_id === e.id ? l.earlier_clue_id : l.clue_id;
        const otherYear = l.issue_id === e.id ? l.earlier_year : l.year;
        return h('li', {}, h('a', { href: `#/inspect/${other}`, onclick: (ev) => { ev.preventDefault(); selectIssue(other, true); } },
          `${otherYear || ''} 年线索 ${otherClue}（问题 ${other}）`), `，相距 ${fmt(l.distance_m, 0)} 米`);
      })));
    }
  }

  function showTransitionForm(e, to, reopen, holder) {
    clear(holder);
    const msg = h('p', { class: 'notice', id: 'transition-message', hidden: true });
    const reason = h('textarea', { id: 'transition-reason', name: 'reason', rows: 2, placeholder: reopen ? '退回原因（必填）' : '说明（如核查情况）' });
    const fields = [h('label', { for: 'transition-reason' }, reopen ? '退回原因' : '说明'), reason];
    let deadline;
    let unit;
    let measures;
    if (to === 'rectifying') {
      deadline = h('input', { type: 'date', id: 'transition-deadline', name: 'deadline' });
      unit = h('input', { id: 'transition-unit', name: 'unit', placeholder: '默认：县区人民政府及责任部门' });
      measures = h('textarea', { id: 'transition-measures', name: 'measures', rows: 2 });
      fields.push(h('label', { for: 'transition-deadline' }, '整改时限（默认按规定天数）'), deadline,
        h('label', { for: 'transition-unit' }, '责任单位'), unit, h('label', { for: 'transition-measures' }, '整改措施'), measures);
    }
    const form = h('form', { id: 'transition-form', class: 'transition-form' },
      h('h4', {}, `${STATUS_CN[e.status]} → ${STATUS_CN[to]}`), fields,
      h('div', { class: 'buttons' },
        h('button', { type: 'submit', class: 'btn-primary', id: 'transition-submit' }, '确定'),
        h('button', { type: 'button', class: 'btn', onclick: () => clear(holder) }, '取消')), msg);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (reopen && !reason.value.trim()) {
        notice(msg, 'error', '退回需要填写原因');
        return;
      }
      const body = { version: e.version, to, reason: reason.value.trim() };
      if (deadline?.value) body.deadline = deadline.value;
      if (unit?.value.trim()) body.unit = unit.value.trim();
      if (measures?.value.trim()) body.measures = measures.value.trim();
      try {
        await api('POST', `/api/ledger/${e.id}/transition`, { json: body });
        await selectIssue(e.id);
        notice(drawer.querySelector('#transition-done') || drawer.appendChild(h('p', { id: 'transition-done' })), 'ok', `已转为 ${STATUS_CN[to]}`);
        reload();
      } catch (err) {
        notice(msg, 'error', `未能办理：${err.message}`);
        if (err.status === 409) setTimeout(() => selectIssue(e.id), 1500);
      }
    });
    holder.append(form);
    reason.focus();
  }

  loadList();
  return () => {
    state.disposed = true;
    disposeMap(state.map);
  };
}
