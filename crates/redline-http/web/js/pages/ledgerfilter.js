// The ledger filters shared by the inspection map, the list, the summary forms and the issue map:
// county, reserve, zone, activity, status, focus, overdue. The options come from the summary
// (every county, reserve, zone and activity that has an issue) and the county layer.

import { api } from '../api.js';
import { h, clear } from '../dom.js';
import { STATUSES } from '../labels.js';
import { countyNames } from '../mapkit.js';

export const FILTER_KEYS = ['county', 'reserve', 'zone', 'activity', 'status', 'focus', 'overdue'];

/** Values found in the ledger, for the selects. */
export async function filterOptions() {
  const out = { county: new Set(await countyNames()), reserve: new Set(), zone: new Set(), activity: new Set() };
  try {
    const s = await api('GET', '/api/ledger/summary');
    for (const r of s.rows || []) {
      if (r.county) out.county.add(r.county);
      if (r.reserve) out.reserve.add(r.reserve);
      if (r.zone) out.zone.add(r.zone);
      if (r.activity) out.activity.add(r.activity);
    }
  } catch {
    // an empty ledger or no right to read it: the selects stay short
  }
  const sorted = (s) => [...s].filter((v) => v && v !== '—').sort((a, b) => a.localeCompare(b, 'zh-CN'));
  return { county: sorted(out.county), reserve: sorted(out.reserve), zone: sorted(out.zone), activity: sorted(out.activity) };
}

/**
 * The filter form. `values` is the initial state (an object); onChange(values) runs on submit
 * and reset. Returns {form, values(), refresh()}.
 */
export function filterForm(prefix, initial, onChange, { extra = [] } = {}) {
  const sel = (key, label) => h('div', { class: 'field' },
    h('label', { for: `${prefix}-${key}` }, label),
    h('select', { id: `${prefix}-${key}`, name: key }, h('option', { value: '' }, '全部')));
  const form = h('form', { id: `${prefix}-filter`, class: 'filters ledger-filters' },
    sel('county', '县区'), sel('reserve', '保护区'), sel('zone', '功能分区'), sel('activity', '活动类型'),
    h('div', { class: 'field' }, h('label', { for: `${prefix}-status` }, '整改状态'),
      h('select', { id: `${prefix}-status`, name: 'status' }, h('option', { value: '' }, '全部'),
        STATUSES.map(([c, l]) => h('option', { value: c }, l)))),
    h('div', { class: 'field checks' },
      h('label', {}, h('input', { type: 'checkbox', id: `${prefix}-focus`, name: 'focus' }), ' 仅重点问题'),
      h('label', {}, h('input', { type: 'checkbox', id: `${prefix}-overdue`, name: 'overdue' }), ' 仅逾期')),
    extra,
    h('div', { class: 'field buttons' },
      h('button', { type: 'submit', class: 'btn-primary', id: `${prefix}-apply` }, '筛选'),
      h('button', { type: 'button', class: 'btn', id: `${prefix}-reset` }, '重置')));
  const get = () => {
    const v = {};
    for (const k of FILTER_KEYS) {
      const el = form.elements[k];
      if (!el) continue;
      if (el.type === 'checkbox') {
        if (el.checked) v[k] = true;
      } else if (el.value) v[k] = el.value;
    }
    for (const el of form.querySelectorAll('[data-extra]')) if (el.value) v[el.name] = el.value;
    return v;
  };
  const set = (vals) => {
    for (const k of FILTER_KEYS) {
      const el = form.elements[k];
      if (!el) continue;
      if (el.type === 'checkbox') el.checked = Boolean(vals[k]);
      else el.value = vals[k] || '';
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    onChange(get());
  });
  form.querySelector(`#${prefix}-reset`).addEventListener('click', () => {
    set({});
    onChange(get());
  });
  async function refresh() {
    const o = await filterOptions();
    const current = get();
    for (const k of ['county', 'reserve', 'zone', 'activity']) {
      const el = form.elements[k];
      clear(el).append(h('option', { value: '' }, '全部'));
      for (const v of o[k]) el.append(h('option', { value: v }, v));
      const want = current[k] || initial[k];
      if (want && !o[k].includes(want)) el.append(h('option', { value: want }, want));
    }
    set({ ...initial, ...current });
  }
  set(initial);
  refresh();
  return { form, values: get, refresh };
}

/** The query of a filter state for the ledger routes (booleans as true only). */
export function ledgerQuery(values) {
  const q = {};
  for (const k of FILTER_KEYS) if (values[k]) q[k] = values[k] === true ? 'true' : values[k];
  return q;
}

/** Filter state ⇄ the hash's query string. */
export function filterFromParams(params) {
  const v = {};
  for (const k of FILTER_KEYS) {
    const x = params.get(k);
    if (x) v[k] = x === 'true' ? true : x;
  }
  return v;
}
