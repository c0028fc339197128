//! Log-source conditions that an event's route already settles. A variant's guard repeats the
//! mapping's `Channel` and `EventID` conditions, but the engine only reaches a variant through
//! the routes of those same channels and event ids: testing them again cost every candidate two
//! field tests.

use crate::expr::{Expr, Matcher, Slot};
use crate::mapping::DATASET_ROUTE;

/// A variant's guard without the conditions its routes imply, for events routed by exactly
/// what the conditions test.
pub(super) struct RoutedGuard {
    /// What is left of the guard (`None`: nothing).
    pub guard: Option<Expr>,
    /// Whether the `EventID` condition was left out: it is implied only when the event's
    /// EventID reads as the number it was routed by (see [`reads_as_its_number`]).
    pub needs_exact_id: bool,
}

/// The part of `guard` not settled by a variant's routes: the channels `channels` (folded, as
/// routes are keyed) and, within them, the event ids `ids`. A condition is left out only if it
/// holds for every route key the variant can be reached by.
pub(super) fn routed_guard(
    guard: Option<&Expr>,
    channels: Option<&[String]>,
    ids: Option<&[i64]>,
    channel_slot: Slot,
    event_id_slot: Slot,
) -> RoutedGuard {
    let Some(guard) = guard else { return RoutedGuard { guard: None, needs_exact_id: false } };
    let operands = match guard {
        Expr::And(items) => items.as_slice(),
        one => std::slice::from_ref(one),
    };
    // Only variants routed by Windows channel alone are reached through these routes.
    let channels = channels.filter(|c| !c.is_empty() && c.iter().all(|c| !c.starts_with(DATASET_ROUTE)));
    let mut kept = Vec::with_capacity(operands.len());
    let mut needs_exact_id = false;
    for op in operands {
        let implied = match (op, channels) {
            // A routed event's folded channel is one of `channels`, which is what the
            // condition's matcher tests.
            (Expr::Field(slot, Matcher::Str(pats)), Some(chs)) if *slot == channel_slot => {
                chs.iter().all(|c| pats.any_match(c))
            }
            // Within those channels the variant is routed by these ids only.
            (Expr::Field(slot, Matcher::Str(pats)), Some(_)) if *slot == event_id_slot => {
                let all =
                    ids.is_some_and(|ids| !ids.is_empty() && ids.iter().all(|id| pats.any_match(&id.to_string())));
                needs_exact_id |= all;
                all
            }
            _ => false,
        };
        if !implied {
            kept.push(op.clone());
        }
    }
    RoutedGuard { guard: (!kept.is_empty()).then(|| Expr::and(kept)), needs_exact_id }
}

/// Whether an EventID value (one that routing read as a number) is written as that number's
/// decimal form: then the text a condition tests is the id's. Routing also accepts text such
/// as `" 4688"` or `"04688"`, which a condition on `4688` does not.
pub(super) fn reads_as_its_number(v: &seawall_core::Value) -> bool {
    match v {
        // Routing takes integers only, and an integer's text is its decimal form.
        seawall_core::Value::Number(_) => true,
        seawall_core::Value::String(s) => {
            let b = s.as_bytes();
            !b.is_empty() && b.iter().all(u8::is_ascii_digit) && (b.len() == 1 || b[0] != b'0')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patlist::Patterns;
    use crate::pattern::{SigmaString, StrPattern};

    /// A mapping condition as the compiler makes it: the field equal to one of `values`.
    fn condition(slot: Slot, values: &[&str]) -> Expr {
        let pats = values.iter().map(|v| StrPattern::compile(&SigmaString::literal(v), false)).collect();
        Expr::Field(slot, Matcher::Str(Patterns::new(pats)))
    }

    #[test]
    fn conditions_settled_by_the_route_are_left_out_and_others_kept() {
        let (ch, id, other) = (3, 5, 7);
        let guard = Expr::And(vec![
            condition(ch, &["Microsoft-Windows-Sysmon/Operational"]),
            condition(id, &["1"]),
            condition(other, &["x"]),
        ]);
        let sysmon = ["microsoft-windows-sysmon/operational".to_string()];
        let kept = |r: &RoutedGuard| match &r.guard {
            Some(Expr::And(v)) => v.iter().map(|e| if let Expr::Field(s, _) = e { *s } else { 99 }).collect(),
            Some(Expr::Field(s, _)) => vec![*s],
            _ => vec![],
        };
        let r = routed_guard(Some(&guard), Some(&sysmon), Some(&[1]), ch, id);
        assert_eq!((kept(&r), r.needs_exact_id), (vec![other], true), "channel and id settled by the route");
        // Reached through another channel or id as well: that condition is still tested.
        let two = [sysmon[0].clone(), "security".to_string()];
        let r = routed_guard(Some(&guard), Some(&two), Some(&[1]), ch, id);
        assert_eq!((kept(&r), r.needs_exact_id), (vec![ch, other], true));
        let r = routed_guard(Some(&guard), Some(&sysmon), Some(&[1, 4688]), ch, id);
        assert_eq!((kept(&r), r.needs_exact_id), (vec![id, other], false));
        // Reached by any id of the channel, or not routed by channel at all.
        let r = routed_guard(Some(&guard), Some(&sysmon), None, ch, id);
        assert_eq!((kept(&r), r.needs_exact_id), (vec![id, other], false));
        let r = routed_guard(Some(&guard), None, Some(&[1]), ch, id);
        assert_eq!((kept(&r), r.needs_exact_id), (vec![ch, id, other], false));
        let datasets = [format!("{DATASET_ROUTE}microsoft-windows-sysmon/operational")];
        let r = routed_guard(Some(&guard), Some(&datasets), Some(&[1]), ch, id);
        assert_eq!(kept(&r), vec![ch, id, other], "dataset routes settle nothing");
        // A guard of the settled conditions alone leaves nothing.
        let only = condition(ch, &["Microsoft-Windows-Sysmon/Operational"]);
        assert!(routed_guard(Some(&only), Some(&sysmon), None, ch, id).guard.is_none());
    }

    #[test]
    fn only_event_ids_written_as_their_number_are_exact() {
        use seawall_core::Value;
        let text = |s: &str| Value::String(s.into());
        assert!(reads_as_its_number(&Value::from(4688u64)));
        assert!(reads_as_its_number(&text("4688")) && reads_as_its_number(&text("0")));
        for s in ["04688", " 4688", "4688 ", "+1", "-1", ""] {
            assert!(!reads_as_its_number(&text(s)), "{s:?}");
        }
    }
}
