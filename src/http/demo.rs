//! `redline serve --demo`: one project file built from the bundled fixtures (the review layers of
//! `fixtures/review` and the reserves and counties of `fixtures/inspect`), a fresh ledger and
//! service database in the data folder, and a generated admin token.

use std::path::{Path, PathBuf};

use crate::config::{Config, Role, TokenConfig};
use crate::{Error, Result};

/// The folder holding `review/project.toml` and `inspect/project.toml`: `./fixtures` when it
/// exists, else the source tree's.
pub fn fixtures_dir() -> PathBuf {
    let local = PathBuf::from("fixtures");
    if local.join("review/project.toml").exists() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn read_table(path: &Path) -> Result<toml::Table> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    text.parse::<toml::Table>().map_err(|e| Error::Config {
        file: path.to_path_buf(),
        line: 0,
        message: e.to_string(),
    })
}

/// The `[[layer]]` entries of a project table with their paths made absolute.
fn layers_of(table: &toml::Table, dir: &Path) -> Vec<toml::Value> {
    let Some(toml::Value::Array(layers)) = table.get("layer") else {
        return Vec::new();
    };
    layers
        .iter()
        .cloned()
        .map(|mut l| {
            if let Some(toml::Value::String(p)) = l.get_mut("path") {
                *p = dir.join(&*p).display().to_string();
            }
            l
        })
        .collect()
}

/// The text of one project file that holds both fixture projects: the review project's
/// settings and layers, then the inspection project's layers and `[inspection]` (its ledger
/// relative to the written file), and `tokens`.
pub fn combined_config(fixtures: &Path, tokens: &[TokenConfig]) -> Result<String> {
    let fixtures = std::path::absolute(fixtures).map_err(|e| Error::io(fixtures, e))?;
    let review_dir = fixtures.join("review");
    let inspect_dir = fixtures.join("inspect");
    let review = read_table(&review_dir.join("project.toml"))?;
    let inspect = read_table(&inspect_dir.join("project.toml"))?;
    let mut out = review.clone();
    let mut layers = layers_of(&review, &review_dir);
    layers.extend(layers_of(&inspect, &inspect_dir));
    out.insert("layer".into(), toml::Value::Array(layers));
    if let Some(i) = inspect.get("inspection") {
        let mut i = i.clone();
        if let Some(t) = i.as_table_mut() {
            t.insert("ledger".into(), toml::Value::String("ledger.sqlite".into()));
        }
        out.insert("inspection".into(), i);
    }
    let tokens: Vec<toml::Value> = tokens
        .iter()
        .map(|t| {
            let mut m = toml::Table::new();
            m.insert("name".into(), t.name.clone().into());
            m.insert("sha256".into(), t.sha256.clone().into());
            m.insert("role".into(), t.role.as_str().into());
            if let Some(c) = &t.county {
                m.insert("county".into(), c.clone().into());
            }
            toml::Value::Table(m)
        })
        .collect();
    if !tokens.is_empty() {
        out.insert("token".into(), toml::Value::Array(tokens));
    }
    let body = toml::to_string(&out).map_err(|e| Error::Other(format!("demo config: {e}")))?;
    Ok(format!(
        "# redline serve --demo: written at start-up from the bundled fixtures; do not edit.\n{body}"
    ))
}

/// Remove a file that may not exist.
fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(path, e)),
        _ => Ok(()),
    }
}

/// Prepare the demo in `data`: a fresh ledger and service database, no uploaded layers, the
/// combined project file with a new admin token. Returns the config and the token.
pub fn prepare(data: &Path) -> Result<(Config, String)> {
    std::fs::create_dir_all(data).map_err(|e| Error::io(data, e))?;
    for db in ["ledger.sqlite", "service.sqlite"] {
        for suffix in ["", "-wal", "-shm"] {
            remove(&data.join(format!("{db}{suffix}")))?;
        }
    }
    let layers = data.join("layers");
    if layers.exists() {
        std::fs::remove_dir_all(&layers).map_err(|e| Error::io(&layers, e))?;
    }
    let token = super::auth::generate_token()?;
    let text = combined_config(
        &fixtures_dir(),
        &[TokenConfig {
            name: "demo-admin".into(),
            sha256: super::auth::token_hash(&token),
            role: Role::Admin,
            county: None,
        }],
    )?;
    let path = data.join("demo.toml");
    std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
    Ok((Config::load(&path)?, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_combined_config_holds_both_projects() {
        let d = tempfile::tempdir().expect("tempdir");
        let text = combined_config(
            &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
            &[TokenConfig {
                name: "v".into(),
                sha256: "0".repeat(64),
                role: Role::Viewer,
                county: Some("360222".into()),
            }],
        )
        .expect("text");
        let path = d.path().join("p.toml");
        std::fs::write(&path, text).expect("write");
        let c = Config::load(&path).expect("load");
        let names: Vec<&str> = c.layers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "basic_farmland",
                "eco_redline",
                "geohazard",
                "landuse",
                "village_plan",
                "homesteads",
                "reserves",
                "counties"
            ]
        );
        assert_eq!(c.homestead.max_area_m2, Some(180.0));
        assert_eq!(c.inspection.ledger, d.path().join("ledger.sqlite"));
        assert_eq!(c.tokens[0].county.as_deref(), Some("360222"));
    }
}
