// The application shell: session, role-aware menu and hash routing.
//
//   #/login            登录
//   #/review[/ID]      审查 (upload, map, findings, decisions, past reviews)
//   #/sheet/ID         审查意见表 (printable, one A4 page per parcel)
//   #/inspect[/ID]     巡查 (ledger map and list, issue details, clue import)
//   #/summary          汇总表 (汇总 / 逾期 / 重点问题, XLSX and CSV)
//   #/issuemap?…       问题分布图 (printable, A4/A3 landscape)
//   #/admin            用户管理

import { api, setCsrf, whenUnauthorized } from './api.js';
import { h, clear, setPrintPage } from './dom.js';
import { ROLE_CN } from './labels.js';

const session = { user: null };

/** What each role may do. Admin may do everything. */
export function can(action) {
  const role = session.user?.role;
  if (!role) return false;
  if (role === 'admin') return true;
  return {
    review: role === 'reviewer',
    inspect: role === 'inspector',
    admin: false,
  }[action] || false;
}

export function currentUser() {
  return session.user;
}

const PAGES = {
  login: () => import('./pages/login.js'),
  review: () => import('./pages/review.js'),
  sheet: () => import('./pages/sheet.js'),
  inspect: () => import('./pages/inspect.js'),
  summary: () => import('./pages/summary.js'),
  issuemap: () => import('./pages/issuemap.js'),
  admin: () => import('./pages/admin.js'),
};

const MENU = [
  ['review', '审查', () => true],
  ['inspect', '巡查', () => true],
  ['summary', '汇总表', () => true],
  ['issuemap', '问题分布图', () => true],
  ['admin', '用户管理', () => can('admin')],
];

function homeOf(user) {
  if (!user) return '#/login';
  if (user.role === 'inspector') return '#/inspect';
  return '#/review';
}

/** Parse "#/review/12?x=1" → {page: 'review', id: '12', params: URLSearchParams}. */
function parseHash() {
  const raw = window.location.hash.replace(/^#\/?/, '');
  const [path, qs] = raw.split('?');
  const [page, id] = (path || '').split('/');
  return { page: page || '', id: id ? decodeURIComponent(id) : null, params: new URLSearchParams(qs || '') };
}

export function go(hash) {
  if (window.location.hash === hash) route();
  else window.location.hash = hash;
}

let cleanup = null;
let routing = 0;

async function route() {
  const n = ++routing;
  const r = parseHash();
  if (!session.user && r.page !== 'login') {
    const back = window.location.hash && r.page ? window.location.hash : '';
    sessionStorage.setItem('redline.after-login', back);
    go('#/login');
    return;
  }
  if (session.user && (r.page === 'login' || !PAGES[r.page])) {
    go(homeOf(session.user));
    return;
  }
  if (r.page === 'admin' && !can('admin')) {
    go(homeOf(session.user));
    return;
  }
  if (cleanup) {
    try { cleanup(); } catch { /* the old page is gone anyway */ }
    cleanup = null;
  }
  setPrintPage('');
  renderChrome(r.page);
  const main = document.getElementById('main');
  clear(main);
  main.className = `page page-${r.page}`;
  main.append(h('p', { class: 'loading' }, '正在加载…'));
  try {
    const mod = await PAGES[r.page]();
    if (n !== routing) return;
    clear(main);
    const ctx = { user: session.user, can, go, id: r.id, params: r.params, main };
    cleanup = (await mod.render(main, ctx)) || null;
  } catch (e) {
    if (n !== routing) return;
    clear(main);
    main.append(h('p', { class: 'notice notice-error', role: 'alert' }, `页面无法显示：${e.message || e}`));
    console.error(e);
  }
}

function renderChrome(page) {
  const bar = document.getElementById('topbar');
  const nav = document.getElementById('nav');
  clear(nav);
  bar.hidden = !session.user || page === 'login';
  if (!session.user) return;
  for (const [key, label, show] of MENU) {
    if (!show()) continue;
    const current = page === key || (key === 'review' && page === 'sheet');
    nav.append(h('a', { href: `#/${key}`, id: `nav-${key}`, 'aria-current': current ? 'page' : null }, label));
  }
  const u = session.user;
  const who = document.getElementById('who');
  clear(who).append(`${u.display_name || u.username} · ${ROLE_CN[u.role] || u.role}${u.county ? ` · ${u.county}` : ''}`);
}

/** Called by the login page. */
export function loggedIn(body) {
  session.user = body.user;
  setCsrf(body.csrf);
  const back = sessionStorage.getItem('redline.after-login');
  sessionStorage.removeItem('redline.after-login');
  go(back && !back.startsWith('#/login') ? back : homeOf(session.user));
}

async function logout() {
  try {
    await api('DELETE', '/api/session', { noRedirect: true });
  } catch {
    // the session is gone either way
  }
  session.user = null;
  setCsrf(null);
  go('#/login');
}

async function start() {
  whenUnauthorized(() => {
    if (session.user) {
      session.user = null;
      setCsrf(null);
      go('#/login');
    }
  });
  document.getElementById('logout').addEventListener('click', logout);
  try {
    const body = await api('GET', '/api/session', { noRedirect: true });
    session.user = body.user;
    setCsrf(body.csrf);
  } catch {
    session.user = null;
  }
  window.addEventListener('hashchange', route);
  route();
}

start();
