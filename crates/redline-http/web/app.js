// The log-in page: a session cookie (HttpOnly) from POST /api/session; the CSRF token it
// answers goes with every write.
let csrf = null;

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (csrf && method !== "GET") headers["x-csrf-token"] = csrf;
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  const text = await r.text();
  const data = text ? JSON.parse(text) : null;
  if (!r.ok) throw new Error((data && data.error && data.error.message) || `请求失败 (${r.status})`);
  return data;
}

function show(session) {
  csrf = session ? session.csrf : null;
  document.getElementById("login").hidden = !!session;
  document.getElementById("home").hidden = !session;
  document.getElementById("who").textContent = session ? `${session.user.display_name}（${session.user.role_cn}）` : "";
  if (session) {
    const c = session.user.county ? `，限 ${session.user.county}` : "";
    document.getElementById("home-text").textContent = `已登录为 ${session.user.username}${c}。`;
  }
}

document.getElementById("login").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const err = document.getElementById("login-error");
  err.textContent = "";
  try {
    show(await api("POST", "/api/session", { username: f.get("username"), password: f.get("password") }));
  } catch (e) {
    err.textContent = e.message;
  }
});

document.getElementById("logout").addEventListener("click", async () => {
  await api("DELETE", "/api/session").catch(() => {});
  show(null);
});

api("GET", "/api/session").then(show, () => show(null));
