#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The web application end to end, in real headless Chromium driven through chromedriver
//! (WebDriver, `fantoccini`), against `redline serve --demo` on a free local port.
//!
//! One scenario, in the order an office would work:
//!
//! 1. log-in: a wrong password shows the error in words and stays on the log-in page; the
//!    printed admin password logs in;
//! 2. the admin page creates a reviewer, an inspector and a viewer, resets the viewer's password
//!    and disables and enables the inspector;
//! 3. the reviewer uploads `fixtures/review/parcels/batch_ka10_ka12.txt` and sees the overlap
//!    areas of `fixtures/review/EXPECTED.md` (KA-11 on the homestead ZJD-KA-1: 40.00 m²; KA-10A
//!    and KA-10B overlap by 40.00 m²) and the land-class totals; the map has drawn the parcels,
//!    the overlap pieces and the J1 … point labels (`queryRenderedFeatures`); a decision is
//!    recorded and shows in the list; the review sheet prints to a PDF with one page per parcel
//!    carrying m², 亩, 公顷 and the layer versions (`pdfinfo`, `pdftotext`);
//! 4. the inspector imports `fixtures/inspect/clues/clues_gbk.csv`, sees it placed, moves an
//!    issue and sees the count move in the summary table; XLSX and CSV download;
//! 5. the viewer sees no transition control, and a forced POST with the session cookie and the
//!    CSRF token is refused with 403;
//! 6. every request the browser made went to the server's own origin (Chromium's performance
//!    log, read through chromedriver's `POST /session/{id}/se/log`).
//!
//! Screenshots of the main pages (1366×768) are written to `docs/screenshots/`: login, admin,
//! review, review-sheet, inspect, inspect-issue, summary and issue-map.
//!
//! Needs `/usr/bin/chromium`, `/usr/bin/chromedriver`, `pdftotext` and `pdfinfo` (Debian:
//! `chromium chromium-driver fonts-wqy-microhei poppler-utils`, installed by `scripts/setup`);
//! without them the test fails and says so.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fantoccini::wd::{PrintConfiguration, PrintMargins, PrintSize, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const WAIT: Duration = Duration::from_secs(40);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A child process of this test, killed (by its own id) when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn require_tools() {
    let mut missing = Vec::new();
    for p in [CHROMIUM, CHROMEDRIVER] {
        if !Path::new(p).exists() {
            missing.push(p.to_string());
        }
    }
    for tool in ["pdftotext", "pdfinfo"] {
        let ok = Command::new(tool)
            .arg("-v")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if !ok {
            missing.push(tool.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "the browser tests need {}: run `bash scripts/setup` (it installs chromium, \
         chromium-driver, fonts-wqy-microhei and poppler-utils)",
        missing.join(", ")
    );
}

/// `redline serve --demo` on a free port: (process, base URL, admin password).
fn start_server(data: &Path) -> (Proc, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_redline"))
        .args(["serve", "--demo", "--addr", "127.0.0.1:0", "--data"])
        .arg(data)
        .env(
            "PROJ_DATA",
            std::env::var("PROJ_DATA").unwrap_or("/usr/share/proj".into()),
        )
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start redline serve --demo");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let proc = Proc(child);
    let (mut url, mut password) = (None, None);
    let deadline = Instant::now() + Duration::from_secs(180);
    while url.is_none() || password.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx
            .recv_timeout(left)
            .expect("redline serve printed its address and the admin login");
        if let Some(u) = line.split("(listening on) ").nth(1) {
            url = Some(u.trim().to_string());
        }
        if let Some(rest) = line.split("(admin login): ").nth(1) {
            let (user, pw) = rest.split_once(" / ").expect("admin / password");
            assert_eq!(user.trim(), "admin");
            password = Some(pw.trim().to_string());
        }
    }
    (proc, url.unwrap(), password.unwrap())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_chromedriver() -> (Proc, u16) {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let proc = Proc(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not listen");
        std::thread::sleep(Duration::from_millis(100));
    }
    (proc, port)
}

async fn connect(port: u16, profile: &Path) -> Client {
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
                "--use-angle=swiftshader", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-default-apps", "--disable-features=Translate,OptimizationHints,MediaRouter",
                format!("--user-data-dir={}", profile.display()),
                "--window-size=1366,768", "--lang=zh-CN",
            ],
        },
        "goog:loggingPrefs": {"performance": "ALL", "browser": "ALL"},
    });
    let Value::Object(caps) = caps else {
        unreachable!()
    };
    ClientBuilder::rustls()
        .expect("rustls connector")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a chromedriver session")
}

/// chromedriver's log endpoint (`POST /session/{id}/se/log`), not in the W3C command set.
#[derive(Debug)]
struct GetLog(&'static str);

impl WebDriverCompatibleCommand for GetLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/se/log", session_id.unwrap_or("")))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"type": self.0}).to_string()),
        )
    }
}

/// Every URL the browser requested since the last call (Network.requestWillBeSent).
async fn requested_urls(c: &Client) -> Vec<String> {
    let v = c
        .issue_cmd(GetLog("performance"))
        .await
        .expect("performance log");
    let mut urls = Vec::new();
    for entry in v.as_array().into_iter().flatten() {
        let Some(msg) = entry["message"].as_str() else {
            continue;
        };
        let Ok(m) = serde_json::from_str::<Value>(msg) else {
            continue;
        };
        let method = m["message"]["method"].as_str().unwrap_or("");
        if method == "Network.requestWillBeSent" {
            if let Some(u) = m["message"]["params"]["request"]["url"].as_str() {
                urls.push(u.to_string());
            }
        } else if method == "Network.webSocketCreated" {
            if let Some(u) = m["message"]["params"]["url"].as_str() {
                urls.push(u.to_string());
            }
        }
    }
    urls
}

/// The browser's console errors since the last call (for failure messages).
async fn console(c: &Client) -> String {
    let v = c.issue_cmd(GetLog("browser")).await.unwrap_or(Value::Null);
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["message"].as_str().map(str::to_string))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Run `script` (a function body returning a value) until it returns something truthy.
async fn wait_js(c: &Client, what: &str, script: &str) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let v = c.execute(script, vec![]).await.unwrap_or(Value::Null);
        let truthy = match &v {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => n.as_f64() != Some(0.0),
            Value::String(s) => !s.is_empty(),
            _ => true,
        };
        if truthy {
            return v;
        }
        if Instant::now() > deadline {
            panic!(
                "timed out waiting for {what}; last value {v}; console:\n{}",
                console(c).await
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn wait_css(c: &Client, css: &str) -> fantoccini::elements::Element {
    match c.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
        Ok(e) => e,
        Err(e) => panic!(
            "timed out waiting for {css}: {e}; url {:?}; console:\n{}",
            c.current_url().await.map(|u| u.to_string()),
            console(c).await
        ),
    }
}

async fn text_of(c: &Client, css: &str) -> String {
    wait_css(c, css).await.text().await.unwrap()
}

async fn goto_hash(c: &Client, base: &str, hash: &str) {
    c.goto(&format!("{base}/{hash}")).await.unwrap();
}

/// Fill a text input (clearing it first).
async fn fill(c: &Client, css: &str, value: &str) {
    let e = wait_css(c, css).await;
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

async fn choose(c: &Client, css: &str, value: &str) {
    let e = wait_css(c, css).await;
    e.select_by_value(value).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    wait_css(c, css).await.click().await.unwrap();
}

/// Wait until the current map has drawn everything it has and stopped moving.
async fn map_idle(c: &Client) {
    wait_js(
        c,
        "the map to be idle",
        "const m = window.redlineMap; return !!(m && m.loaded() && m.areTilesLoaded() && !m.isMoving());",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
}

async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    let dir = repo().join("docs/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Wait until the page shows the log-in form or the application (its session is known).
async fn page_state(c: &Client) -> String {
    let v = wait_js(
        c,
        "the log-in form or the application",
        "if (document.querySelector('#login-form')) return 'login'; \
         const t = document.getElementById('topbar'); \
         return t && !t.hidden && document.querySelector('#nav a') ? 'app' : '';",
    )
    .await;
    v.as_str().unwrap().to_string()
}

async fn log_in(c: &Client, base: &str, user: &str, password: &str) {
    goto_hash(c, base, "#/login").await;
    if page_state(c).await == "app" {
        click(c, "#logout").await;
        wait_css(c, "#login-form").await;
    }
    fill(c, "#login-username", user).await;
    fill(c, "#login-password", password).await;
    click(c, "#login-submit").await;
    wait_css(c, "#topbar:not([hidden]) #nav a").await;
}

async fn scenario(c: Client, base: String, admin_password: String) -> Vec<String> {
    let mut urls = Vec::new();
    // The viewport (not the window) is 1366×768: grow the window by the browser's own frame.
    let dims = c
        .execute(
            "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];",
            vec![],
        )
        .await
        .unwrap();
    let (dw, dh) = (dims[0].as_u64().unwrap(), dims[1].as_u64().unwrap());
    c.set_window_size(1366 + dw as u32, 768 + dh as u32)
        .await
        .unwrap();
    let dims = c
        .execute("return [window.innerWidth, window.innerHeight];", vec![])
        .await
        .unwrap();
    assert_eq!(dims, json!([1366, 768]), "viewport");

    // ---- 1. log-in ----
    c.goto(&format!("{base}/")).await.unwrap();
    wait_css(&c, "#login-form").await;
    screenshot(&c, "login").await;
    fill(&c, "#login-username", "admin").await;
    fill(&c, "#login-password", "not-the-password").await;
    click(&c, "#login-submit").await;
    let err = wait_js(
        &c,
        "the log-in error",
        "const e = document.getElementById('login-error'); return e && !e.hidden && e.classList.contains('notice-error') ? e.textContent : '';",
    )
    .await;
    let err = err.as_str().unwrap();
    assert!(err.contains("用户名或密码错误"), "error shown: {err}");
    assert!(!err.contains('{'), "the error is words, not JSON: {err}");
    assert!(c.current_url().await.unwrap().as_str().ends_with("#/login"));
    assert!(c.find(Locator::Css("#login-form")).await.is_ok());
    fill(&c, "#login-password", &admin_password).await;
    click(&c, "#login-submit").await;
    wait_css(&c, "#nav-admin").await;

    // ---- 2. admin creates the users ----
    goto_hash(&c, &base, "#/admin").await;
    wait_css(&c, "#users-table tr[data-user=\"admin\"]").await;
    for (user, name, role) in [
        ("shencha", "审查员张三", "reviewer"),
        ("xuncha", "巡查员李四", "inspector"),
        ("chakan", "查看员王五", "viewer"),
    ] {
        fill(&c, "#new-username", user).await;
        fill(&c, "#new-display", name).await;
        fill(&c, "#new-password", &format!("{user}-Passw0rd")).await;
        choose(&c, "#new-role", role).await;
        click(&c, "#create-submit").await;
        let row = text_of(&c, &format!("#users-table tr[data-user=\"{user}\"]")).await;
        assert!(row.contains(name), "{row}");
    }
    let msg = text_of(&c, "#admin-message").await;
    assert!(msg.contains("chakan"), "{msg}");
    screenshot(&c, "admin").await;
    // Reset a password; disable and enable a user.
    click(&c, "#reset-chakan").await;
    fill(&c, "#reset-password-chakan", "chakan-New-Passw0rd").await;
    click(&c, "#reset-submit-chakan").await;
    wait_js(
        &c,
        "the password reset",
        "const e = document.getElementById('admin-message'); return e && e.textContent.includes('已重置 chakan');",
    )
    .await;
    click(&c, "#toggle-xuncha").await;
    wait_js(
        &c,
        "xuncha disabled",
        "const r = document.querySelector('#users-table tr[data-user=\"xuncha\"]'); return r && r.textContent.includes('已停用');",
    )
    .await;
    click(&c, "#toggle-xuncha").await;
    wait_js(
        &c,
        "xuncha enabled again",
        "const r = document.querySelector('#users-table tr[data-user=\"xuncha\"]'); return r && r.textContent.includes('正常');",
    )
    .await;
    urls.extend(requested_urls(&c).await);

    // ---- 3. reviewer ----
    log_in(&c, &base, "shencha", "shencha-Passw0rd").await;
    goto_hash(&c, &base, "#/review").await;
    wait_css(&c, "#upload-zone").await;
    let batch = repo().join("fixtures/review/parcels/batch_ka10_ka12.txt");
    let input = wait_css(&c, "#upload-zone-input").await;
    input.send_keys(batch.to_str().unwrap()).await.unwrap();
    wait_css(&c, "#findings-table").await;
    // EXPECTED.md [KA-11]: homesteads 40.00 m² (ZJD-KA-1); [KA-10A]/[KA-10B]: batch overlap 40.00 m².
    let row = text_of(
        &c,
        "#findings-table tr[data-parcel=\"KA-11\"][data-layer=\"homesteads\"]",
    )
    .await;
    assert!(
        row.contains("40.00"),
        "KA-11 on the registered homestead: {row}"
    );
    assert!(row.contains("已登记宅基地"), "{row}");
    let row = text_of(
        &c,
        "#findings-table tr[data-parcel=\"KA-10A\"][data-code=\"batch_overlap\"]",
    )
    .await;
    assert!(row.contains("40.00"), "KA-10A and KA-10B: {row}");
    let row = text_of(
        &c,
        "#findings-table tr[data-parcel=\"KA-12\"][data-code=\"area_over_limit\"]",
    )
    .await;
    assert!(row.contains("超过宅基地面积标准"), "{row}");
    // Land classes: every parcel on 0702 (120 + 120 + 120 + 195 = 555 m² 建设用地).
    let totals = text_of(&c, "#landclass-totals tr[data-category=\"建设用地\"]").await;
    assert!(totals.contains("555.00"), "{totals}");
    assert!(totals.contains("0.8325"), "555 m² = 0.8325 亩: {totals}");
    assert!(totals.contains("0.0555"), "555 m² = 0.0555 公顷: {totals}");
    let cultivated = text_of(&c, "#landclass-totals tr[data-category=\"耕地\"]").await;
    assert!(cultivated.contains("0.00"), "{cultivated}");
    let versions = text_of(&c, "#layer-versions-table").await;
    assert!(
        versions.contains("v1") && versions.contains("永久基本农田"),
        "{versions}"
    );

    // The map drew the parcels, the overlap pieces and the point labels.
    map_idle(&c).await;
    let drawn = wait_js(
        &c,
        "parcels, overlap pieces and J1 on the map",
        r"const m = window.redlineMap;
          if (!m || !m.getLayer('parcel-points-label')) return null;
          const ids = new Set(m.queryRenderedFeatures({layers: ['parcels-fill']}).map(f => f.properties.id));
          const layers = new Set(m.queryRenderedFeatures({layers: ['overlap-fill']}).map(f => f.properties.layer));
          const labels = new Set(m.queryRenderedFeatures({layers: ['parcel-points-label']}).map(f => f.properties.name));
          if (ids.size < 4 || !layers.has('homesteads') || !labels.has('J1')) return null;
          return {ids: [...ids].sort(), layers: [...layers], labels: [...labels]};",
    )
    .await;
    assert_eq!(drawn["ids"], json!(["KA-10A", "KA-10B", "KA-11", "KA-12"]));
    // The land-use survey under the parcels comes as vector tiles, with its land classes. (The
    // map's worker fetches the tiles; its requests are not in the page's performance log, and
    // the page's Content-Security-Policy keeps them on this origin.)
    let classes = wait_js(
        &c,
        "land-use vector tiles under the parcels",
        r"const m = window.redlineMap;
          if (!m || !m.getLayer('ref-landuse-line')) return null;
          const f = m.queryRenderedFeatures({layers: ['ref-landuse-line']});
          const codes = [...new Set(f.map(x => x.properties.DLBM).filter(Boolean))].sort();
          return codes.length ? codes : null;",
    )
    .await;
    assert!(
        classes.as_array().is_some_and(|a| !a.is_empty()),
        "{classes}"
    );
    screenshot(&c, "review").await;

    // A decision, then the list shows it.
    click(&c, "#decision-amend").await;
    fill(&c, "#decision-note", "请补充一户一宅说明").await;
    click(&c, "#decision-submit").await;
    let dec = text_of(&c, "#decisions-table tbody tr.in-force").await;
    assert!(
        dec.contains("补正") && dec.contains("请补充一户一宅说明"),
        "{dec}"
    );
    let review_id = c
        .execute(
            "return document.getElementById('review-head').dataset.review;",
            vec![],
        )
        .await
        .unwrap();
    let review_id = review_id.as_str().unwrap().to_string();
    let cell = wait_js(
        &c,
        "the decision in the list",
        &format!(
            "const td = document.querySelector('#reviews-table tr[data-review=\"{review_id}\"] .decision-cell'); \
             return td && td.textContent === '补正' ? td.textContent : null;"
        ),
    )
    .await;
    assert_eq!(cell, "补正");
    // The list's decision filter finds it.
    choose(&c, "#rf-decision", "amend").await;
    click(&c, "#reviews-filter button[type=submit]").await;
    wait_css(
        &c,
        &format!("#reviews-table tr[data-review=\"{review_id}\"]"),
    )
    .await;

    // ---- the review sheet, printed ----
    click(&c, "#open-sheet").await;
    wait_js(
        &c,
        "four sheet pages",
        "return document.querySelectorAll('.sheet-page').length === 4 && document.fonts.status === 'loaded';",
    )
    .await;
    screenshot(&c, "review-sheet").await;
    let pdf = c
        .print(
            PrintConfiguration::builder()
                .size(PrintSize::A4)
                .margins(PrintMargins {
                    top: 0.0,
                    bottom: 0.0,
                    left: 0.0,
                    right: 0.0,
                })
                .background(true)
                .build()
                .unwrap(),
        )
        .await
        .expect("print the review sheet");
    let tmp = tempfile::tempdir().unwrap();
    let pdf_path = tmp.path().join("sheet.pdf");
    std::fs::write(&pdf_path, &pdf).unwrap();
    // REDLINE_BROWSER_OUT=DIR keeps the printed sheet for a look (pdftoppm -png sheet.pdf).
    if let Some(dir) = std::env::var_os("REDLINE_BROWSER_OUT") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(Path::new(&dir).join("review-sheet.pdf"), &pdf).unwrap();
    }
    let info = Command::new("pdfinfo").arg(&pdf_path).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    let pages = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap_or_else(|| panic!("pdfinfo: {info}"))
        .trim()
        .parse::<usize>()
        .unwrap();
    assert_eq!(pages, 4, "one A4 page per parcel: {info}");
    assert!(info.contains("(A4)"), "A4: {info}");
    let text = Command::new("pdftotext")
        .arg(&pdf_path)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    // Pages are separated by form feeds; whitespace runs (line breaks inside cells) count as one.
    let page_texts: Vec<String> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(page_texts.len(), 4, "form feeds between pages:\n{text}");
    for (page, id) in page_texts
        .iter()
        .zip(["KA-10A", "KA-10B", "KA-11", "KA-12"])
    {
        assert!(page.contains(id), "page of {id}:\n{page}");
        for want in [
            "m²",
            "亩",
            "公顷",
            "审查人",
            "审核人",
            "椭球面积",
            "平面面积",
            "H50G059053",
        ] {
            assert!(page.contains(want), "{want} on the page of {id}:\n{page}");
        }
        assert!(
            page.contains("永久基本农田 v1 (sha256") && page.contains("已登记宅基地 v1 (sha256"),
            "layer versions on the page of {id}:\n{page}"
        );
    }
    assert!(
        page_texts[2].contains("40.00"),
        "KA-11's overlap:\n{}",
        page_texts[2]
    );
    assert!(
        page_texts[3].contains("195.00"),
        "KA-12's area:\n{}",
        page_texts[3]
    );
    urls.extend(requested_urls(&c).await);

    // ---- 4. inspector ----
    log_in(&c, &base, "xuncha", "xuncha-Passw0rd").await;
    goto_hash(&c, &base, "#/inspect").await;
    let clues = repo().join("fixtures/inspect/clues/clues_gbk.csv");
    let input = wait_css(&c, "#import-zone-input").await;
    input.send_keys(clues.to_str().unwrap()).await.unwrap();
    let done = wait_js(
        &c,
        "the import",
        "const e = document.getElementById('import-message'); return e && e.classList.contains('notice-ok') ? e.textContent : '';",
    )
    .await;
    let done = done.as_str().unwrap();
    // EXPECTED.md: 13 clues are placed; two rows (LS2020-901, -902) have bad 度分秒 and are named.
    assert!(
        done.contains("线索 13 条") && done.contains("台账新增 13 条"),
        "{done}"
    );
    let problems = text_of(&c, "#import-problems").await;
    assert!(
        problems.contains("2 行未能落图")
            && problems.contains("clues_gbk.csv:7")
            && problems.contains("clues_gbk.csv:15"),
        "{problems}"
    );
    let placed = text_of(&c, "#import-table").await;
    assert!(placed.contains("LS2020-001"), "{placed}");
    wait_js(
        &c,
        "the ledger list",
        "const e = document.getElementById('ledger-count'); return e && e.textContent.includes('13');",
    )
    .await;
    map_idle(&c).await;
    let drawn = wait_js(
        &c,
        "issues and Chinese labels on the map",
        r"const m = window.redlineMap;
          if (!m || !m.getLayer('issues-points')) return null;
          const pts = m.queryRenderedFeatures({layers: ['issues-points', 'issues-clusters']});
          const labels = m.queryRenderedFeatures({layers: ['reserves-label', 'counties-label']})
            .map(f => f.properties.BHQMC || f.properties.XZQMC).filter(Boolean);
          const placed = m.queryRenderedFeatures({layers: ['import-placed']});
          return pts.length && labels.length && placed.length ? {pts: pts.length, labels} : null;",
    )
    .await;
    assert!(
        drawn["labels"].as_array().unwrap().iter().any(|l| l
            .as_str()
            .unwrap()
            .chars()
            .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch))),
        "Chinese labels drawn without a glyph server: {drawn}"
    );
    screenshot(&c, "inspect").await;

    // The summary before the move.
    goto_hash(&c, &base, "#/summary").await;
    let pending_before: u64 = text_of(&c, "#summary-status-pending")
        .await
        .parse()
        .unwrap();
    let confirmed_before: u64 = text_of(&c, "#summary-status-confirmed")
        .await
        .parse()
        .unwrap();
    assert_eq!(pending_before, 13);
    let total = text_of(&c, "#summary-total-count").await;
    assert_eq!(total, "13");
    screenshot(&c, "summary").await;

    // Move issue 1: 待核查 → 属实.
    goto_hash(&c, &base, "#/inspect/1").await;
    click(&c, "#transition-confirmed").await;
    fill(&c, "#transition-reason", "现场核查属实").await;
    click(&c, "#transition-submit").await;
    wait_js(
        &c,
        "the new status",
        "const e = document.getElementById('issue-status'); return e && e.dataset.status === 'confirmed';",
    )
    .await;
    let hist = text_of(&c, "#issue-history").await;
    assert!(
        hist.contains("待核查 → 属实") && hist.contains("现场核查属实"),
        "{hist}"
    );
    map_idle(&c).await;
    screenshot(&c, "inspect-issue").await;

    goto_hash(&c, &base, "#/summary").await;
    wait_css(&c, "#summary-status-pending").await;
    let pending_after: u64 = text_of(&c, "#summary-status-pending")
        .await
        .parse()
        .unwrap();
    let confirmed_after: u64 = text_of(&c, "#summary-status-confirmed")
        .await
        .parse()
        .unwrap();
    assert_eq!(pending_after, pending_before - 1);
    assert_eq!(confirmed_after, confirmed_before + 1);
    // The downloads answer a workbook and a CSV.
    let dl = c
        .execute_async(
            r"const done = arguments[arguments.length - 1];
              Promise.all(['format=xlsx', 'format=csv&sheet=summary'].map(q =>
                fetch('/api/ledger/summary?' + q).then(r => r.status + ' ' + r.headers.get('content-type'))))
              .then(done, e => done(String(e)));",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        dl[0]
            .as_str()
            .unwrap()
            .starts_with("200 application/vnd.openxmlformats"),
        "{dl}"
    );
    assert!(dl[1].as_str().unwrap().starts_with("200 text/csv"), "{dl}");

    // The printable issue map draws.
    goto_hash(&c, &base, "#/issuemap?county=%E6%B5%AE%E6%A2%81%E5%8E%BF").await;
    wait_js(
        &c,
        "the issue map",
        "const e = document.getElementById('im-count'); return e && e.textContent.startsWith('问题');",
    )
    .await;
    map_idle(&c).await;
    screenshot(&c, "issue-map").await;
    urls.extend(requested_urls(&c).await);

    // ---- 5. viewer ----
    log_in(&c, &base, "chakan", "chakan-New-Passw0rd").await;
    goto_hash(&c, &base, "#/inspect/1").await;
    wait_css(&c, "#issue-fields").await;
    assert!(c.find(Locator::Css("#transition-buttons")).await.is_err());
    assert!(c.find(Locator::Css("[id^=transition-]")).await.is_err());
    assert!(c.find(Locator::Css("#import-zone")).await.is_err());
    goto_hash(&c, &base, &format!("#/review/{review_id}")).await;
    wait_css(&c, "#decisions-table").await;
    assert!(c.find(Locator::Css("#decision-form")).await.is_err());
    assert!(c.find(Locator::Css("#upload-zone")).await.is_err());
    assert!(c.find(Locator::Css("#nav-admin")).await.is_err());
    let forced = c
        .execute_async(
            r"const done = arguments[arguments.length - 1];
              (async () => {
                const s = await (await fetch('/api/session')).json();
                const body = JSON.stringify({version: 2, to: 'rectifying', reason: 'forced'});
                const a = await fetch('/api/ledger/1/transition', {method: 'POST', body,
                  headers: {'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf}});
                const b = await fetch('/api/ledger/1/transition', {method: 'POST', body,
                  headers: {'Content-Type': 'application/json'}});
                return [a.status, (await a.json()).error.code, b.status, (await b.json()).error.code, s.user.role];
              })().then(done, e => done(String(e)));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(forced[4], "viewer", "{forced}");
    assert_eq!(
        forced[0], 403,
        "with the CSRF token, the role refuses: {forced}"
    );
    assert_eq!(forced[2], 403, "without the CSRF token: {forced}");
    assert_eq!(forced[3], "csrf", "{forced}");
    urls.extend(requested_urls(&c).await);
    urls
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_application_in_chromium() {
    require_tools();
    let data = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    let (_server, base, admin_password) = start_server(data.path());
    let (_driver, port) = start_chromedriver();
    let client = connect(port, profile.path()).await;
    let run = tokio::spawn(scenario(client.clone(), base.clone(), admin_password)).await;
    let _ = client.close().await;
    let urls = match run {
        Ok(urls) => urls,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("{e}"),
    };

    // Every request went to the server's own origin. data: and blob: URLs stay in the page;
    // chrome:// and chrome-untrusted:// are the browser's own start page before the first
    // navigation, served from inside Chromium. Anything else (another host, another port, a
    // WebSocket) fails.
    assert!(
        urls.len() > 20,
        "the performance log saw the requests: {urls:?}"
    );
    let page_urls: Vec<&String> = urls
        .iter()
        .filter(|u| !(u.starts_with("chrome://") || u.starts_with("chrome-untrusted://")))
        .collect();
    let foreign: Vec<&&String> = page_urls
        .iter()
        .filter(|u| {
            !(u.starts_with(&format!("{base}/"))
                || **u == &base
                || u.starts_with("data:")
                || u.starts_with("blob:")
                || u.starts_with("about:"))
        })
        .collect();
    assert!(
        foreign.is_empty(),
        "requests off the origin {base}: {foreign:?}"
    );
    for want in [
        "/static/vendor/maplibre-gl/maplibre-gl.mjs",
        "/static/vendor/maplibre-gl/maplibre-gl-worker.mjs",
        "/api/session",
        "/api/reviews",
        "/api/ledger/export",
    ] {
        assert!(
            urls.iter().any(|u| u.contains(want)),
            "{want} was requested: {urls:?}"
        );
    }
}
