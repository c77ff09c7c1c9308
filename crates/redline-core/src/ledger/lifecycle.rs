//! The life cycle of an issue: the transition table and the rules of a move
//! ([`plan_transition`]), which every storage backend applies.

use chrono::{Days, NaiveDate};

use super::{Entry, LedgerError, LedgerResult, LedgerSettings, Status};

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

/// A move asked for: issue `id`, at the version the caller saw, to status `to`.
#[derive(Clone, Debug, PartialEq)]
pub struct TransitionRequest {
    /// The issue.
    pub id: i64,
    /// The version the caller based the move on.
    pub expected_version: i64,
    /// The new status.
    pub to: Status,
    /// Who moves it (recorded in the history).
    pub who: String,
    /// Why (required to reopen).
    pub reason: String,
    /// Rectification deadline (整改时限); default from the settings on entering 整改中.
    pub deadline: Option<NaiveDate>,
    /// Responsible unit (责任单位); default the county government and the departments.
    pub unit: Option<String>,
    /// Rectification measures (整改措施).
    pub measures: Option<String>,
}

/// What a move writes: the entry's new state and its history row.
#[derive(Clone, Debug, PartialEq)]
pub struct TransitionPlan {
    /// The status before.
    pub from: Status,
    /// The status after.
    pub to: Status,
    /// The version after (the entry's + 1).
    pub new_version: i64,
    /// The deadline after.
    pub deadline: Option<NaiveDate>,
    /// The responsible unit after.
    pub unit: Option<String>,
    /// The measures after.
    pub measures: Option<String>,
    /// The reason, when one was given.
    pub reason: Option<String>,
}

/// Decide a move of `entry` (read inside the store's transaction) by the life-cycle rules:
///
/// * refused with [`LedgerError::Conflict`] when `expected_version` is not the issue's
///   current version (someone changed it since the caller read it);
/// * refused with [`LedgerError::IllegalTransition`] unless the move is in [`TRANSITIONS`];
///   a reopen without a reason is refused with [`LedgerError::ReasonRequired`];
/// * entering 整改中 sets the deadline (default: `today` + `deadline_days`, or
///   `focus_deadline_days` for focus issues) and the responsible unit (default: the one
///   already set, else the county government and the departments);
/// * `measures` is recorded whenever given.
///
/// Every backend applies the plan it returns, so the rules live here once.
pub fn plan_transition(
    entry: &Entry,
    request: &TransitionRequest,
    settings: &LedgerSettings,
    today: NaiveDate,
) -> LedgerResult<TransitionPlan> {
    let id = request.id;
    if entry.version != request.expected_version {
        return Err(LedgerError::Conflict {
            id,
            expected_version: request.expected_version,
            current_version: entry.version,
        });
    }
    let (from, to) = (entry.status, request.to);
    let reopen = allowed_transition(from, to).ok_or(LedgerError::IllegalTransition { from, to })?;
    let reason = request.reason.trim();
    if reopen && reason.is_empty() {
        return Err(LedgerError::ReasonRequired(format!(
            "问题 {id} ({}) {} → {}",
            entry.clue_id,
            from.label_cn(),
            to.label_cn()
        )));
    }
    let measures = nonempty(request.measures.clone()).or(entry.measures.clone());
    let (deadline, unit) = if to == Rectifying {
        let days = if entry.focus {
            settings.focus_deadline_days
        } else {
            settings.deadline_days
        };
        let deadline = match request.deadline {
            Some(d) => d,
            None => today
                .checked_add_days(Days::new(u64::from(days)))
                .ok_or_else(|| {
                    LedgerError::Invalid(format!(
                        "整改时限超出范围 (deadline out of range: {days} days)"
                    ))
                })?,
        };
        let unit = nonempty(request.unit.clone())
            .or_else(|| nonempty(entry.responsible_unit.clone()))
            .or_else(|| default_unit(entry.county.as_deref(), &entry.departments))
            .ok_or(LedgerError::UnitRequired(id))?;
        (Some(deadline), Some(unit))
    } else {
        (
            request.deadline.or(entry.deadline),
            nonempty(request.unit.clone()).or(entry.responsible_unit.clone()),
        )
    };
    Ok(TransitionPlan {
        from,
        to,
        new_version: entry.version + 1,
        deadline,
        unit,
        measures,
        reason: (!reason.is_empty()).then(|| reason.to_string()),
    })
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
