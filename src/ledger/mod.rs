//! The rectification ledger (问题台账) in SQLite.
