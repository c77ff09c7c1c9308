// 审查意见表: the printable review sheet, one A4 page per parcel: applicant and parcel number,
// every check with its result, areas in m², 亩 and 公顷 by both methods, the 1:10,000 sheets,
// the layer versions, a drawing of the parcel with its point numbers and overlap pieces, and
// room for signatures.

import { api } from '../api.js';
import { h, m2, mu, ha, whenFull, setPrintPage } from '../dom.js';
import { VERDICT_CN, DECISION_CN, SEVERITY_CN, RULE_CN, FINDING_CN, layerCn } from '../labels.js';
import { parcelSvg } from '../parcels.js';

const OVERLAP_CODES = {
  forbid: 'overlap_forbidden',
  avoid: 'overlap_avoid',
  within: 'outside_within',
  existing_homestead: 'overlap_existing_homestead',
};

/** What a check found, in words, for a layer rule. */
function layerCheck(p, layer) {
  const fs = p.findings.filter((f) => f.layer === layer.name);
  const area = fs.reduce((s, f) => s + (f.area_m2 || 0), 0);
  if (layer.rule === 'classify') {
    const gap = fs.find((f) => f.code === 'land_class_gap' || f.code === 'unknown_land_class');
    return { ok: !gap, text: gap ? gap.message : '已按三调地类统计（见下表）', area: null };
  }
  const bad = fs.find((f) => f.code === OVERLAP_CODES[layer.rule] || f.severity !== 'info');
  if (p.area_m2 === null || p.area_m2 === undefined) return { ok: false, text: '图形无效，未检查', area: null };
  if (!bad) {
    const ok = {
      forbid: '未占用', avoid: '未涉及', within: '全部位于范围内', existing_homestead: '未与已登记宅基地重叠',
    }[layer.rule] || '符合';
    return { ok: true, text: ok, area: 0 };
  }
  const what = {
    forbid: '占用', avoid: '涉及', within: '超出范围', existing_homestead: '重叠',
  }[layer.rule] || (SEVERITY_CN[bad.severity] || '');
  const ids = bad.feature_ids?.length ? `（${bad.feature_ids.join('、')}）` : '';
  return { ok: bad.severity !== 'fail' && bad.severity !== 'warn', text: `${what}${ids}`, area, severity: bad.severity };
}

export async function render(main, ctx) {
  setPrintPage('size: A4 portrait; margin: 0');
  const id = ctx.id;
  let rec;
  let gj;
  try {
    [rec, gj] = await Promise.all([
      api('GET', `/api/reviews/${id}`),
      api('GET', `/api/reviews/${id}`, { query: { format: 'geojson' } }),
    ]);
  } catch (e) {
    main.append(h('p', { class: 'notice notice-error', role: 'alert' }, `无法打开审查 #${id}：${e.message}`));
    return null;
  }
  const r = rec.review;
  const rep = rec.report;
  const decision = (rec.decisions || []).at(-1);
  const order = rep.layers.map((l) => l.name);
  const used = Object.fromEntries((r.layer_versions || []).map((l) => [l.name, l]));

  main.append(h('div', { class: 'toolbar no-print' },
    h('a', { href: `#/review/${r.id}`, class: 'btn' }, '← 返回审查'),
    h('button', { type: 'button', class: 'btn-primary', id: 'print-sheet', onclick: () => window.print() }, '打印审查意见表'),
    h('span', { class: 'muted' }, `共 ${rep.parcels.length} 页（每个地块一页，A4 纵向）`)));

  const pages = h('div', { class: 'sheets', id: 'sheets' });
  main.append(pages);
  for (const p of rep.parcels) {
    const parcelF = gj.features.find((f) => f.properties.kind === 'parcel' && f.properties.id === p.id && f.properties.source === p.source)
      || gj.features.find((f) => f.properties.kind === 'parcel' && f.properties.id === p.id);
    const pieces = gj.features.filter((f) => f.properties.kind !== 'parcel' && f.properties.rule !== 'classify' && f.properties.parcel_id === p.id);
    pages.append(sheetPage(r, rep, p, parcelF, pieces, order, used, decision));
  }
  return () => setPrintPage('');
}

function sheetPage(r, rep, p, parcelF, pieces, order, used, decision) {
  const checks = [];
  for (const l of rep.layers) {
    const c = layerCheck(p, l);
    checks.push(h('tr', { class: c.ok ? 'ok' : 'bad' },
      h('td', {}, layerCn(l.name)), h('td', {}, RULE_CN[l.rule] || l.rule),
      h('td', {}, c.text), h('td', { class: 'num' }, c.area === null ? '—' : m2(c.area))));
  }
  // Checks that belong to no layer: area standard, declared area, geometry, batch overlaps …
  const other = p.findings.filter((f) => !f.layer);
  const hasLimit = other.some((f) => f.code === 'area_over_limit');
  const hasDeclared = other.some((f) => f.code === 'declared_area_mismatch');
  if (!hasLimit && p.area_m2 !== null) checks.push(h('tr', { class: 'ok' }, h('td', {}, '宅基地面积标准'), h('td', {}, '面积上限'), h('td', {}, '未超过'), h('td', { class: 'num' }, '—')));
  if (!hasDeclared && p.declared_area_m2 !== null && p.declared_area_m2 !== undefined) {
    checks.push(h('tr', { class: 'ok' }, h('td', {}, '申报面积'), h('td', {}, '与计算面积比对'), h('td', {}, '一致'), h('td', { class: 'num' }, '—')));
  }
  for (const f of other) {
    checks.push(h('tr', { class: f.severity === 'info' ? 'ok' : 'bad' },
      h('td', {}, FINDING_CN[f.code] || f.code), h('td', {}, SEVERITY_CN[f.severity] || f.severity),
      h('td', { class: 'small' }, f.message), h('td', { class: 'num' }, f.area_m2 === undefined || f.area_m2 === null ? '—' : m2(f.area_m2))));
  }

  const cats = ['农用地', '建设用地', '未利用地'];
  const cat = (k) => p.category_totals?.[k] ?? p.land_classes.filter((c) => c.category === k).reduce((s, c) => s + c.area_m2, 0);
  const areaRow = (label, v) => h('tr', {}, h('th', {}, label), h('td', { class: 'num' }, m2(v)), h('td', { class: 'num' }, mu(v)), h('td', { class: 'num' }, ha(v)));

  return h('section', { class: 'sheet-page', dataset: { parcel: p.id } },
    h('h1', {}, '宅基地农用地转用空间审查意见表'),
    h('table', { class: 'sheet-meta' }, h('tbody', {},
      h('tr', {}, h('th', {}, '地块编号'), h('td', {}, p.id), h('th', {}, '申请人 / 地块名称'), h('td', {}, p.name || '—')),
      h('tr', {}, h('th', {}, '审查编号'), h('td', {}, `#${r.id}`), h('th', {}, '县区'), h('td', {}, r.county || '—')),
      h('tr', {}, h('th', {}, '来源文件'), h('td', {}, p.source), h('th', {}, '审查坐标系'), h('td', {}, rep.working_crs)),
      h('tr', {}, h('th', {}, '1:10000 图幅号'), h('td', {}, (p.sheets_10000 || []).join('、') || '—'),
        h('th', {}, '审查结论'), h('td', { class: `verdict-${p.verdict}` }, h('strong', {}, p.verdict_cn || VERDICT_CN[p.verdict]))))),
    h('h2', {}, '面积'),
    h('table', { class: 'sheet-grid areas' },
      h('thead', {}, h('tr', {}, h('th', {}, '计算方法'), h('th', { class: 'num' }, '平方米 (m²)'), h('th', { class: 'num' }, '亩'), h('th', { class: 'num' }, '公顷'))),
      h('tbody', {},
        areaRow(`平面面积（高斯-克吕格投影 ${rep.working_crs}，审查所用）`, p.area_m2),
        areaRow('椭球面积（CGCS2000 椭球面）', p.ellipsoidal_area_m2),
        areaRow('申报面积', p.declared_area_m2))),
    h('h2', {}, '审查项目'),
    h('table', { class: 'sheet-grid checks' },
      h('colgroup', {}, h('col', { style: 'width:34mm' }), h('col', { style: 'width:26mm' }), h('col'), h('col', { style: 'width:24mm' })),
      h('thead', {}, h('tr', {}, h('th', {}, '检查项'), h('th', {}, '要求'), h('th', {}, '结果'), h('th', { class: 'num' }, '面积 m²'))),
      h('tbody', {}, checks)),
    h('div', { class: 'sheet-two' },
      h('div', {},
        h('h2', {}, '土地分类面积'),
        h('table', { class: 'sheet-grid classes' },
          h('thead', {}, h('tr', {}, h('th', {}, '地类'), h('th', {}, '类别'), h('th', { class: 'num' }, 'm²'), h('th', { class: 'num' }, '亩'))),
          h('tbody', {},
            p.land_classes.map((c) => h('tr', {}, h('td', {}, `${c.code} ${c.name}`), h('td', {}, c.category), h('td', { class: 'num' }, m2(c.area_m2)), h('td', { class: 'num' }, mu(c.area_m2)))),
            cats.map((k) => h('tr', { class: 'total' }, h('th', { colspan: 2 }, k), h('td', { class: 'num' }, m2(cat(k))), h('td', { class: 'num' }, mu(cat(k))))),
            h('tr', { class: 'total' }, h('th', { colspan: 2 }, '其中：耕地'), h('td', { class: 'num' }, m2(p.cultivated_m2)), h('td', { class: 'num' }, mu(p.cultivated_m2)))))),
      h('div', {},
        h('h2', {}, '地块示意图'),
        h('div', { class: 'sheet-map' }, parcelF ? parcelSvg(parcelF, pieces, { layerOrder: order, width: 86, height: 80 }) : h('p', {}, '图形无效，无法绘制')))),
    h('h2', {}, '审查所用图层版本'),
    h('p', { class: 'versions' }, rep.layers.map((l) => {
      const u = used[l.name];
      return h('span', { class: 'version' }, `${layerCn(l.name)} v${u ? u.version : '?'} (sha256 ${(u ? u.sha256 : l.sha256).slice(0, 12)})`);
    })),
    h('p', { class: 'decision-line' }, '审批决定：', decision ? `${decision.decision_cn || DECISION_CN[decision.decision]}（${decision.who}，${whenFull(decision.at)}）${decision.note ? `：${decision.note}` : ''}` : '尚未决定'),
    h('div', { class: 'signatures' },
      h('span', {}, '审查人：', h('i', { class: 'line' })),
      h('span', {}, '审核人：', h('i', { class: 'line' })),
      h('span', {}, '日期：', h('i', { class: 'line' }))),
    h('p', { class: 'sheet-foot' }, `审查编号 #${r.id} · 提交人 ${r.who} · 审查时间 ${whenFull(r.created_at)} · redline 生成`));
}
