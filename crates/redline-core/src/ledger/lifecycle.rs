//! The life cycle of an issue: the transition table and [`Ledger::transition`].

use chrono::{Days, NaiveDate};
use rusqlite::{params, OptionalExtension};

use super::import::{insert_history, NewHistory};
use super::query::{entry_from_row, ENTRY_COLUMNS};
use super::{now_utc, Entry, Ledger, LedgerError, LedgerResult, Status};

use Status::{Closed, Confirmed, NotAnIssue, Pending, Rectified, Rectifying};

/// Every allowed move as (from, to, is_reopen). A reopen needs a non-empty reason. Any pair
/// not listed (including staying in the same status) is illegal.
pub const TRANSITIONS: [(Status, Status, bool); 8] = [
    (Pending, Confirmed, false),
    (Pending, NotAnIssue, false),
    (Confirmed, Rectifying, false),
    (Rectifying, Rectified, false),
    (Rectified, Closed, false),
    (NotAnIssue, Pending, true),
    (Rectified, Rectifying, true),
    (Closed, Rectifying, true),
];

/// `Some(is_reopen)` when `from → to` is allowed.
pub fn allowed_transition(from: Status, to: Status) -> Option<bool> {
    TRANSITIONS
        .iter()
        .find(|(f, t, _)| *f == from && *t == to)
        .map(|&(_, _, reopen)| reopen)
}

/// The default responsible unit: the county government (the party responsible for
/// rectification in its territory) followed by the departments, joined with 、.
pub fn default_unit(county: Option<&str>, departments: &[String]) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(c) = county.map(str::trim).filter(|c| !c.is_empty()) {
        parts.push(if c.ends_with("人民政府") {
            c.to_string()
        } else {
            format!("{c}人民政府")
        });
    }
    for d in departments {
        let d = d.trim();
        if !d.is_empty() && !parts.iter().any(|p| p == d) {
            parts.push(d.to_string());
        }
    }
    (!parts.is_empty()).then(|| parts.join("、"))
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl Ledger {
    /// Move issue `id` to status `to`.
    ///
    /// * Refused with [`LedgerError::Conflict`] when `expected_version` is not the issue's
    ///   current version (someone changed it since the caller read it).
    /// * Refused with [`LedgerError::IllegalTransition`] unless the move is in [`TRANSITIONS`];
    ///   a reopen without a reason is refused with [`LedgerError::ReasonRequired`].
    /// * Entering 整改中 sets the deadline (default: today + `deadline_days`, or
    ///   `focus_deadline_days` for focus issues) and the responsible unit (default: the one
    ///   already set, else the county government and the departments).
    /// * `measures` is recorded whenever given.
    ///
    /// Writes the change and its history row (who, when, from, to, reason, deadline, unit,
    /// measures, version) in one transaction and returns the updated entry.
    #[allow(clippy::too_many_arguments)]
    pub fn transition(
        &mut self,
        id: i64,
        expected_version: i64,
        to: Status,
        who: &str,
        reason: &str,
        deadline: Option<NaiveDate>,
        unit: Option<String>,
        measures: Option<String>,
    ) -> LedgerResult<Entry> {
        if who.trim().is_empty() {
            return Err(LedgerError::Invalid("操作人为空 (who is empty)".into()));
        }
        let today = self.today();
        let settings = self.settings.clone();
        let now = now_utc();
        let path = self.path.clone();
        let sql = |e| super::sql_err(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql)?;
        let entry = tx
            .query_row(
                &format!("SELECT {ENTRY_COLUMNS} FROM issues WHERE id = ?1"),
                [id],
                |r| entry_from_row(r, today),
            )
            .optional()
            .map_err(sql)?
            .ok_or(LedgerError::NotFound(id))?;
        if entry.version != expected_version {
            return Err(LedgerError::Conflict {
                id,
                expected_version,
                current_version: entry.version,
            });
        }
        let from = entry.status;
        let reopen =
            allowed_transition(from, to).ok_or(LedgerError::IllegalTransition { from, to })?;
        let reason = reason.trim();
        if reopen && reason.is_empty() {
            return Err(LedgerError::ReasonRequired(format!(
                "问题 {id} ({}) {} → {}",
                entry.clue_id,
                from.label_cn(),
                to.label_cn()
            )));
        }
        let measures = nonempty(measures).or(entry.measures.clone());
        let (deadline, unit) = if to == Rectifying {
            let days = if entry.focus {
                settings.focus_deadline_days
            } else {
                settings.deadline_days
            };
            let deadline = match deadline {
                Some(d) => d,
                None => today
                    .checked_add_days(Days::new(u64::from(days)))
                    .ok_or_else(|| {
                        LedgerError::Invalid(format!(
                            "整改时限超出范围 (deadline out of range: {days} days)"
                        ))
                    })?,
            };
            let unit = nonempty(unit)
                .or_else(|| nonempty(entry.responsible_unit.clone()))
                .or_else(|| default_unit(entry.county.as_deref(), &entry.departments))
                .ok_or(LedgerError::UnitRequired(id))?;
            (Some(deadline), Some(unit))
        } else {
            (
                deadline.or(entry.deadline),
                nonempty(unit).or(entry.responsible_unit.clone()),
            )
        };
        let new_version = entry.version + 1;
        let n = tx
            .execute(
                "UPDATE issues SET status = ?1, deadline = ?2, responsible_unit = ?3, \
                 measures = ?4, version = ?5, updated_at = ?6 WHERE id = ?7 AND version = ?8",
                params![
                    to.as_str(),
                    deadline.map(|d| d.format("%Y-%m-%d").to_string()),
                    unit,
                    measures,
                    new_version,
                    now,
                    id,
                    expected_version
                ],
            )
            .map_err(sql)?;
        if n != 1 {
            return Err(LedgerError::Conflict {
                id,
                expected_version,
                current_version: entry.version,
            });
        }
        insert_history(
            &tx,
            &NewHistory {
                issue_id: id,
                version: new_version,
                at: &now,
                who,
                action: "transition",
                from: Some(from),
                to: Some(to),
                reason: (!reason.is_empty()).then_some(reason),
                deadline,
                unit: unit.as_deref(),
                measures: measures.as_deref(),
                changes: None,
            },
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        self.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_eight_moves_are_allowed() {
        let mut n = 0;
        for from in Status::ALL {
            for to in Status::ALL {
                if allowed_transition(from, to).is_some() {
                    n += 1;
                }
            }
        }
        assert_eq!(n, 8);
        assert_eq!(allowed_transition(Pending, Confirmed), Some(false));
        assert_eq!(allowed_transition(Closed, Rectifying), Some(true));
        assert_eq!(allowed_transition(Pending, Rectifying), None);
        assert_eq!(allowed_transition(Closed, Closed), None);
    }

    #[test]
    fn default_unit_names_county_government_then_departments() {
        let deps = vec!["市林业局".to_string(), "市水利局".to_string()];
        assert_eq!(
            default_unit(Some("浮梁县"), &deps).as_deref(),
            Some("浮梁县人民政府、市林业局、市水利局")
        );
        assert_eq!(
            default_unit(Some("乐平市人民政府"), &[]).as_deref(),
            Some("乐平市人民政府")
        );
        assert_eq!(default_unit(None, &[]), None);
        assert_eq!(
            default_unit(Some(" "), &deps[..1]).as_deref(),
            Some("市林业局")
        );
    }
}
