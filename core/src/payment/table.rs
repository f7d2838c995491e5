//! The transition table as data: every legal row of [`next`] and a description of every
//! status, for the lifecycle diagram on the docs pages (`scripts/build-state-diagram.mjs`,
//! through `kassa-core-js`).
//!
//! Nothing here decides anything: the rows are found by asking [`next`] about every
//! [`PaymentStatus::ALL`] × [`PaymentInputKind::ALL`] × delayed capture, so a status or
//! input added to the table shows up in the diagram without a change here.

use serde::{Serialize, Serializer};

use super::state::{ExternalStatus, PaymentStatus, StateCode};
use super::transition::{next, PaymentInputKind};
use crate::event::EventKind;

/// For which payments a row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DelayedCapture {
    /// Both: `next` answers the same with and without delayed capture.
    Any,
    /// Only delayed-capture payments (`delayed_capture: true`).
    Only,
    /// Only immediate-capture payments (`delayed_capture: false`).
    Never,
}

impl DelayedCapture {
    /// Whether the row holds for a payment with this `delayed_capture`.
    pub const fn matches(self, delayed_capture: bool) -> bool {
        match self {
            DelayedCapture::Any => true,
            DelayedCapture::Only => delayed_capture,
            DelayedCapture::Never => !delayed_capture,
        }
    }
}

/// One legal row of the transition table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableRow {
    /// The status the input arrives in.
    pub from: PaymentStatus,
    /// The input, named as on the wire (`page_opened`; a status query's outcome after a
    /// colon: `status_query_resolved:pending`).
    #[serde(serialize_with = "input_name")]
    pub input: PaymentInputKind,
    /// For which payments the row holds.
    pub delayed_capture: DelayedCapture,
    /// The status it moves to.
    pub to: PaymentStatus,
    /// The event it appends (its `type`, `payment_started`), or none.
    #[serde(serialize_with = "event_name")]
    pub event: Option<EventKind>,
    /// An idempotent no-op (a reload, a repeated `/capture`): it stays put and appends
    /// nothing, so a diagram may leave it out.
    pub no_op: bool,
}

/// What a status is, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusDescription {
    /// The internal status (serialised as its snake_case name).
    #[serde(rename = "name")]
    pub status: PaymentStatus,
    /// GOV.UK Pay's `state.status` for it.
    pub external_status: ExternalStatus,
    /// GOV.UK Pay's `state.code` for it, if any (`P0020`).
    pub code: Option<StateCode>,
    /// GOV.UK Pay's `finished`.
    pub finished: bool,
}

/// The whole lifecycle as data: the statuses (in [`PaymentStatus::ALL`] order, the first
/// being where every payment starts) and the table's rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lifecycle {
    /// Every status.
    pub statuses: Vec<StatusDescription>,
    /// Every legal row, see [`rows`].
    pub rows: Vec<TableRow>,
}

/// Every status with its external state.
pub fn statuses() -> Vec<StatusDescription> {
    PaymentStatus::ALL
        .into_iter()
        .map(|status| {
            let state = status.external_state();
            StatusDescription {
                status,
                external_status: state.status,
                code: state.code,
                finished: state.finished,
            }
        })
        .collect()
}

/// Every legal row of [`next`], ordered by status, then input (each in `ALL` order); a
/// (status, input) pair that behaves the same with and without delayed capture is one
/// row ([`DelayedCapture::Any`]), otherwise one row per value that is legal (immediate
/// capture first).
pub fn rows() -> Vec<TableRow> {
    let mut rows = Vec::new();
    for from in PaymentStatus::ALL {
        for input in PaymentInputKind::ALL {
            let immediate = next(from, input, false).ok();
            let delayed = next(from, input, true).ok();
            let found = match (immediate, delayed) {
                (Some(a), Some(b)) if a == b => vec![(DelayedCapture::Any, a)],
                (a, b) => a
                    .map(|t| (DelayedCapture::Never, t))
                    .into_iter()
                    .chain(b.map(|t| (DelayedCapture::Only, t)))
                    .collect(),
            };
            rows.extend(found.into_iter().map(|(delayed_capture, t)| TableRow {
                from,
                input,
                delayed_capture,
                to: t.to,
                no_op: t.to == from && t.emits.is_none(),
                event: t.emits,
            }));
        }
    }
    rows
}

/// [`statuses`] and [`rows`] together.
pub fn lifecycle() -> Lifecycle {
    Lifecycle {
        statuses: statuses(),
        rows: rows(),
    }
}

/// The wire name of a unit-like serde value: a string as it is, `{"type": t, ..}` as `t`,
/// `{k: v}` as `k:v`. Falls back to `Debug` so that a shape not foreseen still gets a
/// (distinct) name rather than an error.
fn wire_name<T: Serialize + core::fmt::Debug>(value: &T) -> String {
    use serde_json::Value;
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(Value::Object(map)) => match map.get("type") {
            Some(Value::String(t)) => t.clone(),
            _ => match map.iter().next() {
                Some((k, Value::String(v))) if map.len() == 1 => format!("{k}:{v}"),
                _ => format!("{value:?}"),
            },
        },
        _ => format!("{value:?}"),
    }
}

fn input_name<S: Serializer>(input: &PaymentInputKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&wire_name(input))
}

fn event_name<S: Serializer>(event: &Option<EventKind>, s: S) -> Result<S::Ok, S::Error> {
    match event {
        Some(e) => s.serialize_str(&wire_name(e)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payment::Transition;
    use std::collections::BTreeSet;

    fn position<T: PartialEq>(all: &[T], x: &T) -> usize {
        all.iter().position(|y| y == x).unwrap()
    }

    #[test]
    fn every_row_agrees_with_next_and_every_legal_step_has_a_row() {
        let rows = rows();
        for row in &rows {
            for dc in [false, true] {
                let answer = next(row.from, row.input, dc);
                if row.delayed_capture.matches(dc) {
                    assert_eq!(
                        answer,
                        Ok(Transition {
                            to: row.to,
                            emits: row.event.clone()
                        }),
                        "{row:?}"
                    );
                } else {
                    // A one-sided row means the other side is illegal or different.
                    assert_ne!(
                        answer.ok().map(|t| (t.to, t.emits)),
                        Some((row.to, row.event.clone())),
                        "{row:?} should have been merged"
                    );
                }
            }
            assert_eq!(
                row.no_op,
                row.from == row.to && row.event.is_none(),
                "{row:?}"
            );
        }
        for from in PaymentStatus::ALL {
            for input in PaymentInputKind::ALL {
                for dc in [false, true] {
                    let matching = rows
                        .iter()
                        .filter(|r| r.from == from && r.input == input)
                        .filter(|r| r.delayed_capture.matches(dc))
                        .count();
                    let legal = usize::from(next(from, input, dc).is_ok());
                    assert_eq!(matching, legal, "{from:?} + {input:?} ({dc})");
                }
            }
        }
    }

    #[test]
    fn the_rows_cover_every_status_reachable_from_created() {
        // Reachability straight from `next`, independently of `rows`.
        let mut reachable = BTreeSet::from([0usize]);
        let mut todo = vec![PaymentStatus::Created];
        while let Some(from) = todo.pop() {
            for input in PaymentInputKind::ALL {
                for dc in [false, true] {
                    if let Ok(t) = next(from, input, dc) {
                        if reachable.insert(position(&PaymentStatus::ALL, &t.to)) {
                            todo.push(t.to);
                        }
                    }
                }
            }
        }
        let rows = rows();
        let mut in_rows = BTreeSet::from([0usize]);
        for row in &rows {
            in_rows.insert(position(&PaymentStatus::ALL, &row.from));
            in_rows.insert(position(&PaymentStatus::ALL, &row.to));
        }
        assert!(reachable.is_subset(&in_rows), "{reachable:?} ⊄ {in_rows:?}");
        // Every unfinished reachable status can move on (no dead ends short of finished).
        for status in PaymentStatus::ALL.into_iter().filter(|s| !s.is_finished()) {
            assert!(
                rows.iter().any(|r| r.from == status && !r.no_op),
                "{status:?}"
            );
        }
    }

    #[test]
    fn ordering_is_deterministic_and_follows_all() {
        let rows = rows();
        assert_eq!(rows, super::rows());
        let dc_order = |d: DelayedCapture| match d {
            DelayedCapture::Any => 0,
            DelayedCapture::Never => 1,
            DelayedCapture::Only => 2,
        };
        let keys: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    position(&PaymentStatus::ALL, &r.from),
                    position(&PaymentInputKind::ALL, &r.input),
                    dc_order(r.delayed_capture),
                )
            })
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(keys, sorted);
    }

    #[test]
    fn delayed_capture_splits_exactly_where_next_looks_at_it() {
        use PaymentInputKind as I;
        use PaymentStatus as S;
        let rows = rows();
        let confirm: Vec<_> = rows
            .iter()
            .filter(|r| r.from == S::Authorised && r.input == I::PayerConfirmed)
            .map(|r| (r.delayed_capture, r.to))
            .collect();
        assert_eq!(
            confirm,
            [
                (DelayedCapture::Never, S::CaptureQueued),
                (DelayedCapture::Only, S::AwaitingCapture)
            ]
        );
        let repeated_capture = rows
            .iter()
            .find(|r| r.from == S::Captured && r.input == I::CaptureRequested)
            .unwrap();
        assert_eq!(repeated_capture.delayed_capture, DelayedCapture::Only);
        assert!(repeated_capture.no_op);
    }

    #[test]
    fn serialises_with_wire_names() {
        let json = serde_json::to_value(lifecycle()).unwrap();
        assert_eq!(
            json["statuses"][0],
            serde_json::json!({
                "name": "created", "external_status": "created", "code": null, "finished": false
            })
        );
        let expired = json["statuses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "expired")
            .unwrap();
        assert_eq!(expired["code"], "P0020");
        assert_eq!(expired["finished"], true);
        let rows = json["rows"].as_array().unwrap();
        assert_eq!(
            rows[0],
            serde_json::json!({
                "from": "created", "input": "page_opened", "delayed_capture": "any",
                "to": "started", "event": "payment_started", "no_op": false
            })
        );
        assert!(rows
            .iter()
            .any(|r| r["input"] == "status_query_resolved:pending"
                && r["event"].is_null()
                && r["no_op"] == true));
        // Names are distinct, so the diagram can key on them.
        let names: BTreeSet<String> = PaymentInputKind::ALL.iter().map(wire_name).collect();
        assert_eq!(names.len(), PaymentInputKind::ALL.len());
    }
}
