// 汇总表: the summary forms of the ledger (汇总 / 逾期 / 重点问题) as tables, with the same
// filters as the map, counts by status, and XLSX and CSV downloads.

import { api, download, query } from '../api.js';
import { h, clear, fmt, notice } from '../dom.js';
import { STATUSES, STATUS_CN, STATUS_COLOR, ZONE_CN } from '../labels.js';
import { filterForm, ledgerQuery, filterFromParams } from './ledgerfilter.js';

export async function render(main, ctx) {
  let values = filterFromParams(ctx.params);
  const msg = h('p', { class: 'notice', id: 'summary-message', hidden: true });
  const out = h('div', { id: 'summary-tables' });
  const filters = filterForm('sf', values, (v) => {
    values = v;
    history.replaceState(null, '', `#/summary${query(ledgerQuery(v))}`);
    load();
  });
  const dl = (label, id, q, name) => h('button', {
    type: 'button', class: 'btn', id,
    onclick: async () => {
      try {
        await download('/api/ledger/summary', { ...ledgerQuery(values), ...q }, name);
      } catch (e) {
        notice(msg, 'error', `下载失败：${e.message}`);
      }
    },
  }, label);
  main.append(h('div', { class: 'summary-layout' },
    h('section', { class: 'side' }, h('div', { class: 'card' }, h('h2', {}, '筛选'), filters.form),
      h('div', { class: 'card' }, h('h2', {}, '下载'),
        h('p', {}, dl('Excel 工作簿（三张表）', 'download-xlsx', { format: 'xlsx' }, '绿盾问题台账汇总.xlsx')),
        h('p', {}, dl('汇总 CSV', 'download-csv-summary', { format: 'csv', sheet: 'summary' }, '汇总.csv'), ' ',
          dl('逾期 CSV', 'download-csv-overdue', { format: 'csv', sheet: 'overdue' }, '逾期.csv'), ' ',
          dl('重点问题 CSV', 'download-csv-focus', { format: 'csv', sheet: 'focus' }, '重点问题.csv')),
        h('p', { class: 'muted small' }, 'CSV 为带 BOM 的 UTF-8，Excel 可直接打开。'),
        h('p', {}, h('a', { href: '#/issuemap', class: 'btn', id: 'open-issuemap' }, '问题分布图（打印）')))),
    h('section', { class: 'content' }, msg, out)));

  async function load() {
    let s;
    try {
      s = await api('GET', '/api/ledger/summary', { query: ledgerQuery(values) });
    } catch (e) {
      notice(msg, 'error', `无法读取汇总：${e.message}`);
      return;
    }
    notice(msg, 'info', '');
    let rows = s.rows || [];
    if (values.activity) rows = rows.filter((r) => r.activity === values.activity);
    clear(out);
    const byStatus = Object.fromEntries(STATUSES.map(([c]) => [c, 0]));
    for (const r of rows) byStatus[r.status] = (byStatus[r.status] || 0) + r.count;
    out.append(h('h1', {}, s.title || '绿盾遥感线索核查处理汇总表'),
      h('table', { class: 'grid status-counts', id: 'summary-status' },
        h('thead', {}, h('tr', {}, STATUSES.map(([, l, col]) => h('th', {}, h('span', { class: 'status-dot', style: `background:${col}` }), l)), h('th', {}, '合计'))),
        h('tbody', {}, h('tr', {}, STATUSES.map(([c]) => h('td', { class: 'num', id: `summary-status-${c}` }, String(byStatus[c]))),
          h('td', { class: 'num', id: 'summary-status-total' }, String(rows.reduce((a, r) => a + r.count, 0)))))));

    out.append(h('h2', {}, '汇总'),
      h('table', { class: 'grid', id: 'summary-table' },
        h('thead', {}, h('tr', {}, ['县区', '保护区名称', '功能分区', '活动类型', '整改状态', '数量', '面积（m²）'].map((t) => h('th', {}, t)))),
        h('tbody', {}, rows.map((r) => h('tr', { dataset: { status: r.status } },
          h('td', {}, r.county), h('td', {}, r.reserve), h('td', {}, r.zone), h('td', {}, r.activity),
          h('td', {}, r.status_cn || STATUS_CN[r.status]), h('td', { class: 'num' }, String(r.count)), h('td', { class: 'num' }, fmt(r.area_m2, 2))))),
        h('tfoot', {}, h('tr', {}, h('th', { colspan: 5 }, '合计'),
          h('td', { class: 'num', id: 'summary-total-count' }, String(values.activity ? rows.reduce((a, r) => a + r.count, 0) : s.total_count)),
          h('td', { class: 'num' }, fmt(values.activity ? rows.reduce((a, r) => a + r.area_m2, 0) : s.total_area_m2, 2))))));

    const entryTable = (id, list, extra) => h('table', { class: 'grid', id },
      h('thead', {}, h('tr', {}, ['编号', '线索', '县区', '保护区', '分区', '活动类型', '状态', ...extra.map((x) => x[0])].map((t) => h('th', {}, t)))),
      h('tbody', {}, list.length ? list.map((e) => h('tr', {},
        h('td', {}, h('a', { href: `#/inspect/${e.id}` }, String(e.id))), h('td', {}, e.clue_id), h('td', {}, e.county || '—'),
        h('td', {}, e.reserve || '区外'), h('td', {}, e.zone_cn || ZONE_CN[e.zone] || '—'), h('td', {}, e.activity),
        h('td', {}, h('span', { class: 'status-dot', style: `background:${STATUS_COLOR[e.status]}` }), e.status_cn || STATUS_CN[e.status]),
        extra.map((x) => h('td', {}, x[1](e))))) : h('tr', {}, h('td', { colspan: 7 + extra.length, class: 'muted' }, '无'))));
    const filt = (l) => (values.activity ? l.filter((e) => e.activity === values.activity) : l);
    out.append(h('h2', { title: s.date ? `截至 ${s.date}` : '' }, '逾期（整改时限已过、尚未整改）'),
      entryTable('overdue-table', filt(s.overdue || []), [['整改时限', (e) => e.deadline || '—'], ['责任单位', (e) => e.responsible_unit || '—']]));
    out.append(h('h2', {}, '重点问题'),
      entryTable('focus-table', filt(s.focus || []), [['重点问题类型', (e) => (e.focus_reasons || []).join('；')]]));
  }
  load();
  return null;
}
