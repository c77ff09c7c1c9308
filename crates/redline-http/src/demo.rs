//! `redline serve --demo`: one project file built from the demo projects bundled in the binary
//! (the review layers of `fixtures/review` and the reserves and counties of `fixtures/inspect`,
//! embedded at build time and written out into the data folder at start-up), a fresh ledger and
//! service database in the data folder, and a generated admin token. It works from any folder
//! with the binary alone.

use std::path::Path;

use redline_core::config::{Config, ConfigError, Role, TokenConfig};

/// Why the demo could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The data folder cannot be written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or folder.
        path: std::path::PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A bundled project file is not TOML (a broken build).
    #[error("{}: {source}", .path.display())]
    Toml {
        /// The project file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: toml::de::Error,
    },
    /// The combined project cannot be written as TOML.
    #[error("demo config: {0}")]
    Write(#[from] toml::ser::Error),
    /// The combined project does not load.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// No admin token could be made.
    #[error(transparent)]
    Random(#[from] crate::auth::RandomError),
    /// The demo's admin user could not be made.
    #[error(transparent)]
    Account(#[from] redline_core::accounts::AccountError),
}

type Result<T> = std::result::Result<T, DemoError>;

fn io(path: &Path) -> impl Fn(std::io::Error) -> DemoError + '_ {
    move |source| DemoError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One bundled file: its path under `fixtures/` and its bytes.
macro_rules! file {
    ($rel:literal) => {
        (
            $rel,
            include_bytes!(concat!("../../../fixtures/", $rel)) as &[u8],
        )
    };
}

/// The demo projects as committed under `fixtures/`: two project files and their layers (a test
/// checks that the list holds every layer file of the fixtures).
pub const BUNDLE: &[(&str, &[u8])] = &[
    file!("review/project.toml"),
    file!("review/layers/basic_farmland.cpg"),
    file!("review/layers/basic_farmland.dbf"),
    file!("review/layers/basic_farmland.prj"),
    file!("review/layers/basic_farmland.shp"),
    file!("review/layers/basic_farmland.shx"),
    file!("review/layers/eco_redline.cpg"),
    file!("review/layers/eco_redline.dbf"),
    file!("review/layers/eco_redline.prj"),
    file!("review/layers/eco_redline.shp"),
    file!("review/layers/eco_redline.shx"),
    file!("review/layers/geohazard.geojson"),
    file!("review/layers/homesteads.cpg"),
    file!("review/layers/homesteads.dbf"),
    file!("review/layers/homesteads.prj"),
    file!("review/layers/homesteads.shp"),
    file!("review/layers/homesteads.shx"),
    file!("review/layers/landuse.cpg"),
    file!("review/layers/landuse.dbf"),
    file!("review/layers/landuse.prj"),
    file!("review/layers/landuse.shp"),
    file!("review/layers/landuse.shx"),
    file!("review/layers/village_plan.cpg"),
    file!("review/layers/village_plan.dbf"),
    file!("review/layers/village_plan.prj"),
    file!("review/layers/village_plan.shp"),
    file!("review/layers/village_plan.shx"),
    file!("inspect/project.toml"),
    file!("inspect/layers/counties.geojson"),
    file!("inspect/layers/reserve_zones.cpg"),
    file!("inspect/layers/reserve_zones.dbf"),
    file!("inspect/layers/reserve_zones.prj"),
    file!("inspect/layers/reserve_zones.shp"),
    file!("inspect/layers/reserve_zones.shx"),
];

/// Write the bundled demo projects into `dir` (`dir/review/…`, `dir/inspect/…`), replacing what
/// is there.
pub fn write_bundle(dir: &Path) -> Result<()> {
    for (rel, bytes) in BUNDLE {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, bytes).map_err(io(&path))?;
    }
    Ok(())
}

fn read_table(path: &Path) -> Result<toml::Table> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    text.parse::<toml::Table>()
        .map_err(|source| DemoError::Toml {
            path: path.to_path_buf(),
            source,
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
    let fixtures = std::path::absolute(fixtures).map_err(io(fixtures))?;
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
    let body = toml::to_string(&out)?;
    Ok(format!(
        "# redline serve --demo: written at start-up from the bundled fixtures; do not edit.\n{body}"
    ))
}

/// Remove a file that may not exist.
fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(path)(e)),
        _ => Ok(()),
    }
}

/// Prepare the demo in `data`: a fresh ledger and service database, no uploaded layers, the
/// combined project file with a new admin token. Returns the config and the token.
pub fn prepare(data: &Path) -> Result<(Config, String)> {
    std::fs::create_dir_all(data).map_err(io(data))?;
    for db in ["ledger.sqlite", "service.sqlite"] {
        for suffix in ["", "-wal", "-shm"] {
            remove(&data.join(format!("{db}{suffix}")))?;
        }
    }
    let layers = data.join("layers");
    if layers.exists() {
        std::fs::remove_dir_all(&layers).map_err(io(&layers))?;
    }
    let projects = data.join("demo");
    if projects.exists() {
        std::fs::remove_dir_all(&projects).map_err(io(&projects))?;
    }
    write_bundle(&projects)?;
    let token = super::auth::generate_token()?;
    let text = combined_config(
        &projects,
        &[TokenConfig {
            name: "demo-admin".into(),
            sha256: super::auth::token_hash(&token),
            role: Role::Admin,
            county: None,
        }],
    )?;
    let path = data.join("demo.toml");
    std::fs::write(&path, text).map_err(io(&path))?;
    Ok((Config::load(&path)?, token))
}

/// The demo's first admin: user `admin` with the password in `REDLINE_ADMIN_PASSWORD`, or a new
/// random one (created, or its password reset when the data folder already has it). Returns the
/// user name and the password, which `serve --demo` prints once.
pub fn admin_user(store: &dyn redline_core::storage::ServiceStore) -> Result<(String, String)> {
    use redline_core::accounts::{self, AccountError, NewUser};
    let password = match std::env::var("REDLINE_ADMIN_PASSWORD") {
        Ok(p) if !p.trim().is_empty() => p,
        _ => accounts::random_token()?[..16].to_string(),
    };
    let made = accounts::create_user(
        store,
        &NewUser {
            username: "admin",
            display_name: "管理员",
            password: &password,
            role: Role::Admin,
            county: None,
        },
        chrono::Utc::now(),
    );
    match made {
        Ok(_) => {}
        Err(AccountError::Exists(_)) => accounts::reset_password(store, "admin", &password)?,
        Err(e) => return Err(e.into()),
    }
    Ok(("admin".to_string(), password))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
    }

    /// The bundle holds every layer file and project file of the two demo projects, with the
    /// committed bytes.
    #[test]
    fn the_bundle_is_the_committed_demo_projects() {
        let mut want = Vec::new();
        for project in ["review", "inspect"] {
            want.push(format!("{project}/project.toml"));
            for e in std::fs::read_dir(fixtures().join(project).join("layers")).expect("layers") {
                let name = e.expect("entry").file_name().to_string_lossy().into_owned();
                want.push(format!("{project}/layers/{name}"));
            }
        }
        want.sort();
        let mut got: Vec<String> = BUNDLE.iter().map(|(r, _)| r.to_string()).collect();
        got.sort();
        assert_eq!(got, want);
        for (rel, bytes) in BUNDLE {
            assert_eq!(
                std::fs::read(fixtures().join(rel)).expect("read"),
                *bytes,
                "{rel}"
            );
        }
    }

    /// Written out into an empty folder, the bundle loads as a project from there.
    #[test]
    fn the_combined_config_holds_both_projects() {
        let d = tempfile::tempdir().expect("tempdir");
        write_bundle(&d.path().join("demo")).expect("bundle");
        let text = combined_config(
            &d.path().join("demo"),
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
