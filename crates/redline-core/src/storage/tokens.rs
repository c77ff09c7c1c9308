//! The bearer tokens of the service: each `[[token]]` of the project file is kept as its sha256
//! hash, never in clear. A presented token is hashed and compared with every stored hash in
//! constant time (`subtle`), and is never logged.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::{Role, TokenConfig};

struct TokenEntry {
    name: String,
    hash: [u8; 32],
    role: Role,
    county: Option<String>,
}

/// The configured tokens (hashes only).
pub struct Tokens {
    entries: Vec<TokenEntry>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("count", &self.entries.len())
            .finish()
    }
}

/// Who holds a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The token's name (recorded in the audit log and as `who`).
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The county scope as configured.
    pub county: Option<String>,
    /// The scope and its code/name from the county layer (all spellings that match).
    pub county_keys: Vec<String>,
}

fn unhex(s: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if s.len() != 64 {
        return None;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// The sha256 of a token, hex (what goes into `[[token]] sha256`).
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Tokens {
    /// The tokens of the project file (a hash that is not 64 hex digits is left out; the
    /// config loader refuses such a file first).
    pub fn from_config(tokens: &[TokenConfig]) -> Tokens {
        Tokens {
            entries: tokens
                .iter()
                .filter_map(|t| {
                    Some(TokenEntry {
                        name: t.name.clone(),
                        hash: unhex(&t.sha256)?,
                        role: t.role,
                        county: t.county.clone(),
                    })
                })
                .collect(),
        }
    }

    /// The holder of `token`, comparing against every stored hash in constant time.
    pub fn verify(&self, token: &str) -> Option<Principal> {
        let h: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut found: Option<&TokenEntry> = None;
        for e in &self.entries {
            // No early exit: every hash is compared.
            let eq: bool = e.hash.ct_eq(&h).into();
            if eq && found.is_none() {
                found = Some(e);
            }
        }
        found.map(|e| Principal {
            name: e.name.clone(),
            role: e.role,
            county: e.county.clone(),
            county_keys: Vec::new(),
        })
    }

    /// How many tokens.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
