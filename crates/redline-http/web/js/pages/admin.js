// 用户管理: create users with a role and an optional county, reset passwords, disable and enable.

import { api } from '../api.js';
import { h, clear, when, notice } from '../dom.js';
import { ROLE_CN } from '../labels.js';
import { countyNames } from '../mapkit.js';

const ROLES = [
  ['viewer', '查看（只读）'],
  ['reviewer', '审查员（审查与决定）'],
  ['inspector', '巡查员（线索导入与台账办理）'],
  ['admin', '管理员（全部，含图层与用户）'],
];

export async function render(main, ctx) {
  const msg = h('p', { id: 'admin-message', class: 'notice', hidden: true });
  const county = h('select', { id: 'new-county', name: 'county' }, h('option', { value: '' }, '全市（不限县区）'));
  countyNames().then((ns) => ns.forEach((n) => county.append(h('option', { value: n }, n))));
  const form = h('form', { id: 'create-user', class: 'create', autocomplete: 'off' },
    h('label', { for: 'new-username' }, '用户名'),
    h('input', { id: 'new-username', name: 'username', required: true, autocomplete: 'off' }),
    h('label', { for: 'new-display' }, '姓名（显示与记录用）'),
    h('input', { id: 'new-display', name: 'display_name' }),
    h('label', { for: 'new-password' }, '初始密码'),
    h('input', { id: 'new-password', name: 'password', type: 'password', required: true, autocomplete: 'new-password' }),
    h('label', { for: 'new-role' }, '角色'),
    h('select', { id: 'new-role', name: 'role' }, ROLES.map(([v, l]) => h('option', { value: v }, l))),
    h('label', { for: 'new-county' }, '县区范围'), county,
    h('button', { type: 'submit', class: 'btn-primary', id: 'create-submit' }, '新建用户'));
  const table = h('div', { id: 'users' });
  main.append(h('div', { class: 'admin-layout' },
    h('section', { class: 'card' }, h('h2', {}, '新建用户'), form),
    h('section', { class: 'card' }, h('h2', {}, '用户'), msg, table)));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {
      username: form.elements.username.value.trim(),
      password: form.elements.password.value,
      role: form.elements.role.value,
    };
    if (form.elements.display_name.value.trim()) body.display_name = form.elements.display_name.value.trim();
    if (county.value) body.county = county.value;
    if (!body.username || !body.password) {
      notice(msg, 'error', '请填写用户名和初始密码');
      return;
    }
    try {
      await api('POST', '/api/users', { json: body });
      notice(msg, 'ok', `已新建用户 ${body.username}（${ROLE_CN[body.role]}）`);
      form.reset();
      load();
    } catch (err) {
      notice(msg, 'error', `未能新建用户：${err.message}`);
    }
  });

  async function load() {
    let body;
    try {
      body = await api('GET', '/api/users');
    } catch (e) {
      notice(msg, 'error', `无法读取用户：${e.message}`);
      return;
    }
    clear(table).append(h('table', { class: 'grid', id: 'users-table' },
      h('thead', {}, h('tr', {}, ['用户名', '姓名', '角色', '县区', '状态', '创建', '最近登录', '操作'].map((t) => h('th', {}, t)))),
      h('tbody', {}, body.users.map((u) => userRow(u)))));
  }

  function userRow(u) {
    const self = u.username === ctx.user.username;
    const actions = h('td', { class: 'actions' });
    const resetBtn = h('button', { type: 'button', class: 'btn', id: `reset-${u.username}`, onclick: () => showReset() }, '重置密码');
    const toggle = h('button', {
      type: 'button', class: 'btn', id: `toggle-${u.username}`, disabled: self,
      title: self ? '不能停用自己' : null,
      onclick: async () => {
        try {
          await api('POST', `/api/users/${encodeURIComponent(u.username)}/disabled`, { json: { disabled: !u.disabled } });
          notice(msg, 'ok', `${u.username} 已${u.disabled ? '启用' : '停用'}`);
          load();
        } catch (err) {
          notice(msg, 'error', `操作失败：${err.message}`);
        }
      },
    }, u.disabled ? '启用' : '停用');
    actions.append(resetBtn, ' ', toggle);
    function showReset() {
      const pw = h('input', { type: 'password', id: `reset-password-${u.username}`, 'aria-label': `${u.username} 的新密码`, autocomplete: 'new-password', placeholder: '新密码' });
      const f = h('form', { class: 'inline-form' }, pw,
        h('button', { type: 'submit', class: 'btn-primary', id: `reset-submit-${u.username}` }, '确定'),
        h('button', { type: 'button', class: 'btn', onclick: () => load() }, '取消'));
      f.addEventListener('submit', async (e) => {
        e.preventDefault();
        try {
          await api('POST', `/api/users/${encodeURIComponent(u.username)}/password`, { json: { password: pw.value } });
          notice(msg, 'ok', `已重置 ${u.username} 的密码，其已登录的会话随之结束`);
          load();
        } catch (err) {
          notice(msg, 'error', `未能重置密码：${err.message}`);
        }
      });
      clear(actions).append(f);
      pw.focus();
    }
    return h('tr', { dataset: { user: u.username }, class: u.disabled ? 'disabled' : null },
      h('td', {}, u.username), h('td', {}, u.display_name || ''), h('td', {}, u.role_cn || ROLE_CN[u.role] || u.role),
      h('td', {}, u.county || '全市'), h('td', {}, u.disabled ? '已停用' : '正常'),
      h('td', {}, when(u.created_at)), h('td', {}, u.last_login_at ? when(u.last_login_at) : '从未'), actions);
  }

  load();
  return null;
}
