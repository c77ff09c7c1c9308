// 审查: upload a batch, see every parcel on the map with its overlap pieces and point numbers,
// the findings and the land-class table, record a decision, browse earlier reviews.

import { api, upload } from '../api.js';
import { h, clear, m2, mu, ha, when, notice, rowAction, dropZone, spinner, select } from '../dom.js';
import {
  VERDICT_CN, DECISIONS, DECISION_CN, SEVERITY_CN, RULE_CN, FINDING_CN, layerCn, layerColor,
} from '../labels.js';
import {
  createMap, disposeMap, addCounties, textLayout, bboxOf, countyNames,
} from '../mapkit.js';
import { pointsCollection } from '../parcels.js';

const EMPTY = { type: 'FeatureCollection', features: [] };
const CATEGORIES = ['农用地', '建设用地', '未利用地'];

export async function render(main, ctx) {
  const state = { map: null, review: null, refLayers: [], disposed: false };
  const side = h('section', { class: 'side', 'aria-label': '审查结果' });
  const mapEl = h('div', { id: 'review-map', class: 'map', role: 'region', 'aria-label': '地块地图' });
  const listEl = h('section', { id: 'reviews-panel', class: 'bottom-panel', 'aria-label': '审查记录' });
  main.append(h('div', { class: 'review-layout' }, side, h('div', { class: 'review-right' }, mapEl, listEl)));

  const uploadMsg = h('p', { id: 'upload-message', class: 'notice', hidden: true });
  const detail = h('div', { id: 'review-detail' },
    h('p', { class: 'muted' }, ctx.can('review') ? '上传一批地块后，审查结果显示在这里；也可在下方审查记录中打开以往的审查。' : '在下方审查记录中选择一次审查查看结果。'));
  if (ctx.can('review')) {
    const countySel = h('select', { id: 'upload-county', name: 'county' }, h('option', { value: '' }, '（按账号或不指定）'));
    countyNames().then((names) => names.forEach((n) => countySel.append(h('option', { value: n }, n))));
    side.append(h('div', { class: 'card' },
      h('h2', {}, '上传地块'),
      dropZone({
        id: 'upload-zone',
        accept: '.txt,.geojson,.json,.zip',
        multiple: true,
        label: '拖入地块文件，或点击选择',
        hint: '界址点坐标 TXT、GeoJSON 或压缩的 Shapefile (.zip)，可一次多个',
        onFiles: (files) => submit(files),
      }),
      h('div', { class: 'row' }, h('label', { for: 'upload-county' }, '所属县区'), countySel),
      uploadMsg));
  }
  side.append(detail);

  async function submit(files) {
    const county = document.getElementById('upload-county')?.value || undefined;
    notice(uploadMsg, 'info', '');
    const spin = spinner(`正在审查 ${files.map((f) => f.name).join('、')}`);
    uploadMsg.after(spin.el);
    try {
      const rep = await upload('/api/reviews', files, { county });
      spin.stop();
      notice(uploadMsg, 'ok', `已完成审查 #${rep.review_id}：${rep.summary.parcels} 个地块`);
      history.replaceState(null, '', `#/review/${rep.review_id}`);
      await show(rep.review_id);
      loadList();
    } catch (e) {
      spin.stop();
      notice(uploadMsg, 'error', `上传失败：${e.message}`);
    }
  }

  // ---- the map ----
  createMap(mapEl).then(async (map) => {
    if (state.disposed) {
      disposeMap(map);
      return;
    }
    state.map = map;
    await addCounties(map);
    map.addSource('review', { type: 'geojson', data: EMPTY });
    map.addSource('parcel-points', { type: 'geojson', data: EMPTY });
    map.addLayer({ id: 'parcels-fill', type: 'fill', source: 'review', filter: ['==', ['get', 'kind'], 'parcel'],
      paint: { 'fill-color': '#42a5f5', 'fill-opacity': 0.18 } });
    map.addLayer({ id: 'overlap-fill', type: 'fill', source: 'review', filter: ['all', ['in', ['get', 'kind'], ['literal', ['overlap', 'outside']]], ['!=', ['get', 'rule'], 'classify']],
      paint: { 'fill-color': ['coalesce', ['get', 'colour'], '#e53935'], 'fill-opacity': 0.6 } });
    map.addLayer({ id: 'overlap-line', type: 'line', source: 'review', filter: ['all', ['in', ['get', 'kind'], ['literal', ['overlap', 'outside']]], ['!=', ['get', 'rule'], 'classify']],
      paint: { 'line-color': ['coalesce', ['get', 'colour'], '#e53935'], 'line-width': 1.5 } });
    map.addLayer({ id: 'parcels-line', type: 'line', source: 'review', filter: ['==', ['get', 'kind'], 'parcel'],
      paint: { 'line-color': '#0d47a1', 'line-width': 2.5 } });
    map.addLayer({ id: 'parcel-points', type: 'circle', source: 'parcel-points',
      paint: { 'circle-radius': 3.5, 'circle-color': '#0d47a1', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } });
    map.addLayer({ id: 'parcel-points-label', type: 'symbol', source: 'parcel-points',
      layout: textLayout(['get', 'name'], 12, {
        'text-variable-anchor': ['bottom-left', 'top-right', 'bottom-right', 'top-left'],
        'text-radial-offset': 0.6,
      }),
      paint: { 'text-color': '#0d47a1', 'text-halo-color': '#fff', 'text-halo-width': 1.5 } });
    map.addLayer({ id: 'parcels-label', type: 'symbol', source: 'review', filter: ['==', ['get', 'kind'], 'parcel'],
      layout: textLayout(['get', 'id'], 13, { 'text-allow-overlap': false }),
      paint: { 'text-color': '#111', 'text-halo-color': '#fff', 'text-halo-width': 2 } });
    map.on('click', 'parcels-fill', (e) => {
      const id = e.features?.[0]?.properties?.id;
      if (id) document.querySelector(`#parcels-table tr[data-parcel="${CSS.escape(id)}"]`)?.focus();
    });
    if (state.review) drawReview();
  });

  async function drawReview() {
    const map = state.map;
    const gj = state.geojson;
    if (!map || !gj) return;
    const order = state.report.layers.map((l) => l.name);
    for (const f of gj.features) {
      if (f.properties.kind !== 'parcel') f.properties.colour = layerColor(f.properties.layer, order.indexOf(f.properties.layer));
    }
    map.getSource('review').setData(gj);
    map.getSource('parcel-points').setData(pointsCollection(gj));
    for (const id of state.refLayers) if (map.getLayer(id)) map.removeLayer(id);
    for (const name of order) if (map.getSource(`ref-${name}`)) map.removeSource(`ref-${name}`);
    state.refLayers = [];
    const bbox = bboxOf(gj);
    if (!bbox) return;
    map.fitBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], { padding: 60, maxZoom: 20, duration: 0 });
    // The review layers around the batch, faint, under the parcels: vector tiles cut by the
    // service from the layer in memory (a county's land-use survey is far too large for GeoJSON).
    state.report.layers.forEach((l, i) => {
      if (state.disposed || map.getSource(`ref-${l.name}`)) return;
      map.addSource(`ref-${l.name}`, {
        type: 'vector',
        tiles: [`${window.location.origin}/tiles/${encodeURIComponent(l.name)}/{z}/{x}/{y}`],
        minzoom: 0,
        maxzoom: 20,
      });
      const src = { source: `ref-${l.name}`, 'source-layer': l.name };
      const colour = layerColor(l.name, i);
      const classify = l.rule === 'classify';
      if (!classify) {
        map.addLayer({ id: `ref-${l.name}-fill`, type: 'fill', ...src,
          paint: { 'fill-color': colour, 'fill-opacity': 0.12 } }, 'parcels-fill');
        state.refLayers.push(`ref-${l.name}-fill`);
      }
      map.addLayer({ id: `ref-${l.name}-line`, type: 'line', ...src,
        paint: { 'line-color': classify ? '#9e9e9e' : colour, 'line-width': classify ? 0.8 : 1.2, 'line-dasharray': classify ? [2, 2] : [1, 0] } }, 'parcels-fill');
      state.refLayers.push(`ref-${l.name}-line`);
      if (classify) {
        map.addLayer({ id: `ref-${l.name}-label`, type: 'symbol', ...src,
          layout: textLayout(['concat', ['coalesce', ['get', 'DLBM'], ''], ' ', ['coalesce', ['get', 'DLMC'], '']], 11),
          paint: { 'text-color': '#757575', 'text-halo-color': '#fff', 'text-halo-width': 1 } }, 'parcels-fill');
        state.refLayers.push(`ref-${l.name}-label`);
      }
    });
  }

  // ---- one review ----
  async function show(id) {
    clear(detail).append(h('p', { class: 'loading' }, `正在打开审查 #${id}…`));
    let rec;
    let gj;
    try {
      [rec, gj] = await Promise.all([
        api('GET', `/api/reviews/${id}`),
        api('GET', `/api/reviews/${id}`, { query: { format: 'geojson' } }),
      ]);
    } catch (e) {
      clear(detail).append(h('p', { class: 'notice notice-error', role: 'alert' }, `无法打开审查 #${id}：${e.message}`));
      return;
    }
    if (state.disposed) return;
    state.review = rec.review;
    state.report = rec.report;
    state.geojson = gj;
    state.decisions = rec.decisions || [];
    renderDetail();
    drawReview();
    document.querySelectorAll('#reviews-table tr[data-review]').forEach((tr) => {
      tr.classList.toggle('selected', tr.dataset.review === String(id));
    });
  }

  function renderDetail() {
    const r = state.review;
    const rep = state.report;
    clear(detail);
    const s = rep.summary;
    detail.append(h('div', { class: 'card', id: 'review-head', dataset: { review: String(r.id) } },
      h('h2', {}, `审查 #${r.id}`, h('span', { class: `chip verdict-${r.verdict}` }, r.verdict_cn || VERDICT_CN[r.verdict])),
      h('p', { class: 'meta' }, when(r.created_at), ` · ${r.who} · ${r.county || '未指定县区'} · ${(r.files || []).join('、')}`),
      h('p', { class: 'meta' }, `地块 ${s.parcels} 个：通过 ${s.pass}，有警告 ${s.warn}，不通过 ${s.fail}，图形无效 ${s.invalid}`),
      h('p', {}, h('a', { href: `#/sheet/${r.id}`, class: 'btn', id: 'open-sheet' }, '审查意见表（打印）'))));

    // Parcels.
    detail.append(h('div', { class: 'card' }, h('h3', {}, '地块审查结论'),
      h('table', { id: 'parcels-table', class: 'grid' },
        h('thead', {}, h('tr', {}, h('th', {}, '地块'), h('th', {}, '名称'), h('th', { class: 'num' }, '面积 m²'), h('th', {}, '结果'))),
        h('tbody', {}, rep.parcels.map((p) => {
          const tr = h('tr', { dataset: { parcel: p.id } },
            h('td', {}, p.id), h('td', {}, p.name), h('td', { class: 'num' }, m2(p.area_m2)),
            h('td', {}, h('span', { class: `chip verdict-${p.verdict}` }, p.verdict_cn || VERDICT_CN[p.verdict])));
          rowAction(tr, () => zoomToParcel(p.id));
          return tr;
        })))));

    // Findings.
    const rows = [];
    for (const p of rep.parcels) {
      for (const f of p.findings) {
        rows.push(h('tr', { class: `sev-${f.severity}`, dataset: { parcel: p.id, code: f.code, layer: f.layer || '' } },
          h('td', { class: 'nowrap' }, p.id),
          h('td', {}, h('span', { class: `chip sev-${f.severity}` }, SEVERITY_CN[f.severity] || f.severity), ' ',
            h('strong', {}, FINDING_CN[f.code] || f.code), h('br'), h('span', { class: 'small' }, f.message)),
          h('td', { class: 'nowrap' }, f.layer ? layerCn(f.layer) : ''),
          h('td', { class: 'num' }, f.area_m2 === undefined || f.area_m2 === null ? '' : m2(f.area_m2))));
      }
    }
    detail.append(h('div', { class: 'card' }, h('h3', {}, '审查发现'),
      rows.length
        ? h('table', { id: 'findings-table', class: 'grid' },
          h('thead', {}, h('tr', {}, h('th', {}, '地块'), h('th', {}, '问题'), h('th', {}, '图层'), h('th', { class: 'num' }, '面积 m²'))),
          h('tbody', {}, rows))
        : h('p', { id: 'findings-table', class: 'muted' }, '未发现问题。')));

    // Land classes.
    const totals = { 农用地: 0, 建设用地: 0, 未利用地: 0, 耕地: 0 };
    const classRows = [];
    for (const p of rep.parcels) {
      for (const c of p.land_classes) {
        classRows.push(h('tr', {}, h('td', {}, p.id), h('td', {}, c.code), h('td', {}, c.name), h('td', {}, c.category), h('td', { class: 'num' }, m2(c.area_m2))));
      }
      for (const k of CATEGORIES) totals[k] += p.category_totals?.[k] ?? sumCat(p, k);
      totals.耕地 += p.cultivated_m2 || 0;
    }
    detail.append(h('div', { class: 'card' }, h('h3', {}, '土地分类面积'),
      h('table', { id: 'landclass-table', class: 'grid' },
        h('thead', {}, h('tr', {}, h('th', {}, '地块'), h('th', {}, '地类编码'), h('th', {}, '地类名称'), h('th', {}, '类别'), h('th', { class: 'num' }, '面积 m²'))),
        h('tbody', {}, classRows.length ? classRows : h('tr', {}, h('td', { colspan: 5, class: 'muted' }, '无地类数据')))),
      h('table', { id: 'landclass-totals', class: 'grid totals' },
        h('thead', {}, h('tr', {}, h('th', {}, '本批合计'), h('th', { class: 'num' }, 'm²'), h('th', { class: 'num' }, '亩'), h('th', { class: 'num' }, '公顷'))),
        h('tbody', {}, ['农用地', '耕地', '建设用地', '未利用地'].map((k) => h('tr', { dataset: { category: k } },
          h('th', {}, k === '耕地' ? '其中：耕地' : k), h('td', { class: 'num' }, m2(totals[k])), h('td', { class: 'num' }, mu(totals[k])), h('td', { class: 'num' }, ha(totals[k]))))))));

    // Decisions.
    const decCard = h('div', { class: 'card', id: 'decision-card' }, h('h3', {}, '审批决定'));
    if (ctx.can('review')) {
      const msg = h('p', { id: 'decision-message', class: 'notice', hidden: true });
      const note = h('textarea', { id: 'decision-note', name: 'note', rows: 2, placeholder: '审查意见（可选）' });
      const form = h('form', { id: 'decision-form' },
        h('fieldset', {}, h('legend', {}, '决定'),
          DECISIONS.map(([v, label]) => h('label', { class: 'radio' },
            h('input', { type: 'radio', name: 'decision', value: v, id: `decision-${v}` }), ` ${label}`))),
        h('label', { for: 'decision-note' }, '意见'), note,
        h('button', { type: 'submit', class: 'btn-primary', id: 'decision-submit' }, '记录决定'), msg);
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const v = form.querySelector('input[name=decision]:checked')?.value;
        if (!v) {
          notice(msg, 'error', '请选择 通过、不通过 或 补正');
          return;
        }
        try {
          await api('POST', `/api/reviews/${state.review.id}/decisions`, { json: { decision: DECISION_CN[v], note: note.value } });
          notice(msg, 'ok', `已记录：${DECISION_CN[v]}`);
          const rec = await api('GET', `/api/reviews/${state.review.id}`);
          state.decisions = rec.decisions || [];
          state.review = rec.review;
          renderDecisions();
          loadList();
        } catch (err) {
          notice(msg, 'error', `未能记录：${err.message}`);
        }
      });
      decCard.append(form);
    }
    const decList = h('div', { id: 'decisions' });
    decCard.append(decList);
    detail.append(decCard);
    renderDecisions();

    // Layer versions.
    const used = r.layer_versions || [];
    const rule = Object.fromEntries(rep.layers.map((l) => [l.name, l.rule]));
    detail.append(h('div', { class: 'card' }, h('h3', {}, '所用图层版本'),
      h('table', { id: 'layer-versions-table', class: 'grid' },
        h('thead', {}, h('tr', {}, h('th', {}, '图层'), h('th', {}, '规则'), h('th', {}, '版本'), h('th', {}, 'sha256'))),
        h('tbody', {}, used.map((l) => h('tr', {},
          h('td', {}, h('span', { class: 'swatch', style: `background:${layerColor(l.name, rep.layers.findIndex((x) => x.name === l.name))}` }), layerCn(l.name)),
          h('td', {}, RULE_CN[rule[l.name]] || rule[l.name] || ''),
          h('td', {}, `v${l.version}`),
          h('td', { class: 'mono', title: l.sha256 }, `${l.sha256.slice(0, 12)}…`)))))));
  }

  function renderDecisions() {
    const el = document.getElementById('decisions');
    if (!el) return;
    clear(el);
    if (!state.decisions.length) {
      el.append(h('p', { class: 'muted' }, '尚无决定。'));
      return;
    }
    const rows = [...state.decisions].reverse();
    el.append(h('table', { id: 'decisions-table', class: 'grid' },
      h('thead', {}, h('tr', {}, h('th', {}, '时间'), h('th', {}, '决定'), h('th', {}, '审查人'), h('th', {}, '意见'))),
      h('tbody', {}, rows.map((d, i) => h('tr', { class: i === 0 ? 'in-force' : 'superseded' },
        h('td', {}, when(d.at)), h('td', {}, d.decision_cn || DECISION_CN[d.decision], i === 0 ? '（现行）' : ''),
        h('td', {}, d.who), h('td', {}, d.note || ''))))));
  }

  function zoomToParcel(id) {
    const f = state.geojson?.features.find((x) => x.properties.kind === 'parcel' && x.properties.id === id);
    const b = f && bboxOf(f);
    if (b && state.map) state.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 80, maxZoom: 21, duration: 0 });
  }

  // ---- earlier reviews ----
  const filter = h('form', { id: 'reviews-filter', class: 'filters' },
    h('h2', {}, '审查记录'),
    h('label', { for: 'rf-verdict' }, '结果'),
    select('rf-verdict', [['', '全部'], ['pass', '通过'], ['warn', '通过(有警告)'], ['fail', '不通过'], ['invalid', '图形无效']], ''),
    h('label', { for: 'rf-county' }, '县区'),
    h('select', { id: 'rf-county', name: 'county' }, h('option', { value: '' }, '全部')),
    h('label', { for: 'rf-from' }, '从'), h('input', { type: 'date', id: 'rf-from', name: 'from' }),
    h('label', { for: 'rf-to' }, '到'), h('input', { type: 'date', id: 'rf-to', name: 'to' }),
    h('label', { for: 'rf-decision' }, '决定'),
    select('rf-decision', [['', '全部'], ['none', '未决定'], ...DECISIONS], ''),
    h('button', { type: 'submit', class: 'btn' }, '筛选'));
  const listMsg = h('p', { class: 'notice', hidden: true });
  const listBody = h('div', { id: 'reviews-list', class: 'scroll' });
  listEl.append(filter, listMsg, listBody);
  countyNames().then((names) => names.forEach((n) => document.getElementById('rf-county')?.append(h('option', { value: n }, n))));
  filter.addEventListener('submit', (e) => {
    e.preventDefault();
    loadList();
  });

  async function loadList() {
    const q = {
      verdict: document.getElementById('rf-verdict')?.value,
      county: document.getElementById('rf-county')?.value,
      from: document.getElementById('rf-from')?.value,
      to: document.getElementById('rf-to')?.value,
      decision: document.getElementById('rf-decision')?.value,
      limit: 200,
    };
    let body;
    try {
      body = await api('GET', '/api/reviews', { query: q });
    } catch (e) {
      notice(listMsg, 'error', `无法读取审查记录：${e.message}`);
      return;
    }
    notice(listMsg, 'info', '');
    clear(listBody);
    if (!body.reviews.length) {
      listBody.append(h('p', { class: 'muted' }, '没有符合条件的审查。'));
      return;
    }
    listBody.append(h('table', { id: 'reviews-table', class: 'grid' },
      h('thead', {}, h('tr', {}, ['编号', '时间', '提交人', '县区', '文件', '地块', '结果', '决定'].map((t) => h('th', {}, t)))),
      h('tbody', {}, body.reviews.map((r) => {
        const tr = h('tr', { dataset: { review: String(r.id) }, class: state.review?.id === r.id ? 'selected' : null },
          h('td', {}, `#${r.id}`), h('td', {}, when(r.created_at)), h('td', {}, r.who), h('td', {}, r.county || '—'),
          h('td', {}, (r.files || []).join('、')), h('td', { class: 'num' }, r.parcels),
          h('td', {}, h('span', { class: `chip verdict-${r.verdict}` }, r.verdict_cn || VERDICT_CN[r.verdict])),
          h('td', { class: 'decision-cell' }, r.decision ? (r.decision.decision_cn || DECISION_CN[r.decision.decision]) : '未决定'));
        rowAction(tr, () => {
          history.replaceState(null, '', `#/review/${r.id}`);
          show(r.id);
        });
        return tr;
      }))));
    if (body.total > body.reviews.length) listBody.append(h('p', { class: 'muted' }, `共 ${body.total} 次审查，显示最近 ${body.reviews.length} 次。`));
  }

  loadList();
  if (ctx.id) show(ctx.id);

  return () => {
    state.disposed = true;
    disposeMap(state.map);
  };
}

function sumCat(p, k) {
  return p.land_classes.filter((c) => c.category === k).reduce((s, c) => s + c.area_m2, 0);
}
