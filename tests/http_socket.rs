//! The service on a real socket (127.0.0.1, an ephemeral port): 50 concurrent clients post
//! reviews and clue lists and get exactly what the command line prints for the same files; a
//! layer is swapped while requests run, none fails and each names the version it used.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod http_common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use http_common::*;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A running server and the handle to stop it.
struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

async fn start(e: &Env) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = e.app();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
            .expect("serve");
    });
    Server {
        addr,
        stop: Some(tx),
        task,
    }
}

impl Server {
    async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = self.task.await;
    }
}

/// A minimal HTTP/1.1 client: one request per connection.
async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.expect("write head");
    s.write_all(body).await.expect("write body");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, body)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
}

/// The JSON the command line prints.
fn cli(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_redline"))
        .args(args)
        .env(
            "PROJ_DATA",
            std::env::var("PROJ_DATA").unwrap_or_else(|_| "/usr/share/proj".into()),
        )
        .output()
        .expect("run redline");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("CLI JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_clients_get_what_the_cli_prints() {
    let fx = fixtures();
    let review_cfg = fx.join("review/project.toml").display().to_string();
    let inspect_cfg = fx.join("inspect/project.toml").display().to_string();
    // (route, file, key, CLI answer)
    let inputs: Vec<(&str, &str, &str)> = vec![
        ("reviews", "review/parcels/ka01_gbk_crlf.txt", "parcels"),
        ("reviews", "review/parcels/ka03_utf16le.txt", "parcels"),
        (
            "reviews",
            "review/parcels/ka04_spaces_empty_zone.txt",
            "parcels",
        ),
        ("reviews", "review/parcels/batch_ka10_ka12.txt", "parcels"),
        ("reviews", "review/parcels/q01_lonlat.geojson", "parcels"),
        ("inspections", "inspect/clues/clues_gbk.csv", "clues"),
        ("inspections", "inspect/clues/clues.xlsx", "clues"),
    ];
    // The command line, on each file, in parallel threads.
    let expected: Vec<Value> = std::thread::scope(|s| {
        let handles: Vec<_> = inputs
            .iter()
            .map(|(route, file, key)| {
                let path = fx.join(file).display().to_string();
                let cfg = if *route == "reviews" {
                    review_cfg.clone()
                } else {
                    inspect_cfg.clone()
                };
                s.spawn(move || {
                    let sub = if *route == "reviews" {
                        "review"
                    } else {
                        "inspect"
                    };
                    cli(&[sub, "--config", &cfg, &path])[*key].clone()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("cli thread"))
            .collect()
    });
    let e = env();
    let server = start(&e).await;
    let bodies: Vec<Vec<u8>> = inputs.iter().map(|(_, f, _)| read(f)).collect();
    let inputs = Arc::new(inputs);
    let bodies = Arc::new(bodies);
    let expected = Arc::new(expected);
    let mut tasks = Vec::new();
    for i in 0..50usize {
        let (inputs, bodies, expected) = (inputs.clone(), bodies.clone(), expected.clone());
        let addr = server.addr;
        tasks.push(tokio::spawn(async move {
            let k = i % inputs.len();
            let (route, file, key) = inputs[k];
            let name = file.rsplit('/').next().unwrap_or(file);
            let token = if route == "reviews" {
                "tok-reviewer"
            } else {
                "tok-inspector"
            };
            let (status, body) = request(
                addr,
                "POST",
                &format!("/api/{route}?filename={name}"),
                Some(token),
                &bodies[k],
            )
            .await;
            let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            (i, status, v[key] == expected[k], v[key].is_array())
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let (i, status, same, is_array) = t.await.expect("client");
        assert!(
            (status == 201 || status == 200) && same && is_array,
            "client {i}: status {status}, same as CLI: {same}"
        );
        ok += 1;
    }
    assert_eq!(ok, 50);
    // Every review was stored, and the metrics counted them.
    let (_, list) = request(
        server.addr,
        "GET",
        "/api/reviews?limit=1",
        Some("tok-viewer"),
        b"",
    )
    .await;
    let list: Value = serde_json::from_slice(&list).expect("list");
    let reviews = (0..50)
        .filter(|i| inputs[i % inputs.len()].0 == "reviews")
        .count();
    assert_eq!(list["total"], reviews);
    let (_, m) = request(server.addr, "GET", "/metrics", None, b"").await;
    let m = String::from_utf8_lossy(&m).to_string();
    assert!(
        m.contains(&format!("redline_reviews_total {reviews}")),
        "{m}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swapping_a_layer_under_load_fails_no_request() {
    let e = env();
    let server = start(&e).await;
    let addr = server.addr;
    let ka04 = Arc::new(read("review/parcels/ka04_spaces_empty_zone.txt"));
    let post = move |body: Arc<Vec<u8>>| async move {
        let (status, b) = request(
            addr,
            "POST",
            "/api/reviews?filename=ka04.txt",
            Some("tok-reviewer"),
            &body,
        )
        .await;
        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&b));
        let v: Value = serde_json::from_slice(&b).expect("json");
        let hazard = v["layer_versions"]
            .as_array()
            .and_then(|a| a.iter().find(|l| l["name"] == "geohazard"))
            .cloned()
            .expect("geohazard version");
        (hazard, v["parcels"].clone())
    };
    // Before: version 1, KA-04 overlaps hazard ZH-KA-1 (warn).
    let (v1, before) = post(ka04.clone()).await;
    assert_eq!(v1["version"], 1);
    assert_eq!(before[0]["verdict"], "warn");
    // The new version drops ZH-KA-1.
    let src: Value =
        serde_json::from_slice(&read("review/layers/geohazard.geojson")).expect("json");
    let mut next = src.clone();
    next["features"] = Value::Array(
        src["features"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|f| f["properties"]["BSM"] != "ZH-KA-1")
                    .cloned()
                    .collect()
            })
            .unwrap_or_default(),
    );
    let next = next.to_string().into_bytes();
    let swapped = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (swapped, done, ka04) = (swapped.clone(), done.clone(), ka04.clone());
        clients.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut after = 0;
            // Bounded: at most 60 requests per client.
            for _ in 0..60 {
                seen.push(post(ka04.clone()).await);
                done.fetch_add(1, Ordering::SeqCst);
                if swapped.load(Ordering::SeqCst) {
                    after += 1;
                    if after >= 2 {
                        break;
                    }
                }
            }
            seen
        }));
    }
    while done.load(Ordering::SeqCst) < 8 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let (status, body) = request(
        addr,
        "PUT",
        "/api/layers/geohazard",
        Some("tok-admin"),
        &next,
    )
    .await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let v2: Value = serde_json::from_slice(&body).expect("json");
    swapped.store(true, Ordering::SeqCst);
    assert_eq!(v2["version"], 2);
    let (after_v, after) = post(ka04.clone()).await;
    assert_eq!(after_v["sha256"], v2["sha256"]);
    assert_eq!(after[0]["verdict"], "pass");
    // Every answer matches the version it names.
    let by_sha: BTreeMap<String, Value> = [
        (v1["sha256"].as_str().unwrap_or("").to_string(), before),
        (v2["sha256"].as_str().unwrap_or("").to_string(), after),
    ]
    .into_iter()
    .collect();
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for c in clients {
        for (version, parcels) in c.await.expect("client") {
            let sha = version["sha256"].as_str().unwrap_or("").to_string();
            assert_eq!(by_sha.get(&sha), Some(&parcels), "answer of {version}");
            *counts
                .entry(version["version"].as_i64().unwrap_or(0))
                .or_insert(0) += 1;
        }
    }
    assert!(counts.get(&1).is_some_and(|n| *n >= 8), "{counts:?}");
    assert!(counts.get(&2).is_some_and(|n| *n >= 8), "{counts:?}");
    assert_eq!(counts.keys().copied().collect::<Vec<_>>(), vec![1, 2]);
    // The stored reviews name their versions too.
    let (_, list) = request(
        addr,
        "GET",
        "/api/reviews?limit=1000",
        Some("tok-viewer"),
        b"",
    )
    .await;
    let list: Value = serde_json::from_slice(&list).expect("list");
    let stored: Vec<i64> = list["reviews"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| {
                    r["layer_versions"]
                        .as_array()?
                        .iter()
                        .find(|l| l["name"] == "geohazard")?["version"]
                        .as_i64()
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(stored.len() as u64, list["total"].as_u64().unwrap_or(0));
    assert!(stored.contains(&1) && stored.contains(&2));
    server.stop().await;
}
