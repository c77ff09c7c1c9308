// The one way pages talk to the service: same-origin fetch with the session cookie, the CSRF
// token on every write, and errors turned into words (never raw JSON).

let csrf = null;
let onUnauthorized = () => {};

export function setCsrf(token) {
  csrf = token || null;
}
export function whenUnauthorized(fn) {
  onUnauthorized = fn;
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const STATUS_WORDS = {
  400: '请求有误',
  401: '请先登录',
  403: '无权执行此操作',
  404: '没有找到',
  409: '数据已被他人修改，请刷新后重试',
  413: '文件太大',
  415: '不支持的文件类型',
  422: '文件或内容无法读取',
  429: '尝试过于频繁，请稍后再试',
  500: '服务器内部错误',
  503: '服务繁忙，请稍后再试',
};

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * api('GET', '/api/ledger', {query: {...}}) → parsed JSON (or the Response for other types).
 * options: json (a body to send as JSON), body (FormData, Blob …), query, raw (return Response).
 */
export async function api(method, path, options = {}) {
  const headers = { Accept: 'application/json' };
  let body = options.body;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  let resp;
  try {
    resp = await fetch(path + query(options.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试');
  }
  if (!resp.ok) {
    const err = await errorOf(resp);
    if (resp.status === 401 && !options.noRedirect) onUnauthorized(err);
    throw err;
  }
  if (options.raw) return resp;
  const ct = resp.headers.get('content-type') || '';
  if (resp.status === 204) return null;
  if (ct.includes('json')) return resp.json();
  return resp;
}

async function errorOf(resp) {
  let code = `http_${resp.status}`;
  let message = '';
  try {
    const text = await resp.text();
    try {
      const v = JSON.parse(text);
      if (v && v.error) {
        code = v.error.code || code;
        message = v.error.message || '';
      }
    } catch {
      // Not JSON: a plain sentence is shown as it is, markup is not.
      if (text && text.length < 300 && !text.trim().startsWith('<')) message = text.trim();
    }
  } catch {
    // no body
  }
  if (!message) message = STATUS_WORDS[resp.status] || `请求失败 (HTTP ${resp.status})`;
  return new ApiError(resp.status, code, message);
}

/** Upload files as multipart (field name "file" for each). */
export function upload(path, files, q) {
  const fd = new FormData();
  for (const f of files) fd.append('file', f, f.name);
  return api('POST', path, { body: fd, query: q });
}

/** Download a GET route as a file (the session cookie goes along). */
export async function download(path, q, fallbackName) {
  const resp = await api('GET', path, { query: q, raw: true });
  const blob = await resp.blob();
  const cd = resp.headers.get('content-disposition') || '';
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
  const name = fallbackName || (m ? decodeURIComponent(m[1]) : 'download');
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
