// 登录: user name and password; an error is shown in words and the page stays.

import { api } from '../api.js';
import { h, notice } from '../dom.js';
import { loggedIn } from '../app.js';

export function render(main) {
  const msg = h('p', { id: 'login-error', class: 'notice', hidden: true });
  const user = h('input', { id: 'login-username', name: 'username', autocomplete: 'username', required: true, autofocus: true });
  const pass = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const button = h('button', { type: 'submit', id: 'login-submit', class: 'btn-primary' }, '登录');
  const form = h('form', { id: 'login-form', class: 'login-card', novalidate: true },
    h('h1', {}, '红线'),
    h('p', { class: 'subtitle' }, '景德镇市宅基地用地审查 · 绿盾自然保护地巡查'),
    h('label', { for: 'login-username' }, '用户名'), user,
    h('label', { for: 'login-password' }, '密码'), pass,
    msg,
    button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!user.value.trim() || !pass.value) {
      notice(msg, 'error', '请输入用户名和密码');
      return;
    }
    button.disabled = true;
    notice(msg, 'info', '正在登录…');
    try {
      const body = await api('POST', '/api/session', {
        json: { username: user.value.trim(), password: pass.value },
        noRedirect: true,
      });
      loggedIn(body);
    } catch (err) {
      notice(msg, 'error', err.message);
      pass.value = '';
      pass.focus();
    } finally {
      button.disabled = false;
    }
  });
  main.append(h('div', { class: 'login-wrap' }, form));
  user.focus();
}
