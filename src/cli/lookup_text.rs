//! The text `verdict lookup` prints: one decision and what hangs off it.
//!
//! Every stored string goes through [`printable`]: keys, labels and model output are data
//! from outside and must not drive the terminal.

use std::fmt::Write;

use verdict::clock::format_us;
use verdict::model::StepStatus;
use verdict::store::DecisionContext;
use verdict::ui_text::{printable as p, printable_multiline};

/// Duplicate hits listed one by one; the rest are counted.
const HITS_SHOWN: usize = 10;

/// The whole report for a lookup of `needle`, newline-terminated.
pub fn render(context: &DecisionContext, needle: &str) -> String {
    let mut out = String::new();
    redelivery(&mut out, context, needle);
    decision(&mut out, context);
    hits(&mut out, context);
    read_model(&mut out, context);
    sagas(&mut out, context);
    output(&mut out, context);
    out
}

// Writing to a String cannot fail: the `fmt::Result`s below are discarded on purpose.

fn decision(out: &mut String, context: &DecisionContext) {
    let d = &context.decision;
    let _ = writeln!(out, "decision        {}", p(&d.decision_id));
    let _ = writeln!(out, "idempotency key {}", p(&d.idempotency_key));
    let _ = writeln!(out, "event id        {}", p(&d.event_id));
    let _ = writeln!(out, "entity          {}", p(&d.entity_key));
    if let Some(s) = &d.source {
        let _ = writeln!(
            out,
            "source          {}[{}]@{}",
            p(&s.topic),
            s.partition,
            s.offset
        );
    }
    let _ = writeln!(
        out,
        "model           {} {}",
        p(&d.model.name),
        p(&d.model.version)
    );
    let _ = writeln!(
        out,
        "label           {}",
        p(d.label.as_deref().unwrap_or("-"))
    );
    let confidence = d.confidence.map_or("-".into(), |c| format!("{c:.3}"));
    let _ = writeln!(out, "confidence      {confidence}");
    let _ = writeln!(out, "decided at      {}", format_us(d.decided_at_us));
    let hits = context.dedup_key.as_ref().map_or(0, |k| k.hit_count);
    let _ = writeln!(out, "duplicate hits  {hits}");
}

/// Says so when the id searched for was a redelivery, not the event that was decided.
fn redelivery(out: &mut String, context: &DecisionContext, needle: &str) {
    let original = &context.decision.event_id;
    if needle != original && context.duplicate_hits.iter().any(|h| h.event_id == needle) {
        let _ = writeln!(out, "{} is a redelivery of {}", p(needle), p(original));
    }
}

/// Each duplicate hit, newest first: when, which event, whether its payload matched.
fn hits(out: &mut String, context: &DecisionContext) {
    let shown = context.duplicate_hits.iter().take(HITS_SHOWN);
    for hit in shown {
        let matched = if hit.payload_matched {
            "payload matched"
        } else {
            "MISMATCH"
        };
        let _ = writeln!(
            out,
            "  {}  {:<24} {matched}",
            format_us(hit.delivered_at_us),
            p(&hit.event_id)
        );
    }
    let total = context.dedup_key.as_ref().map_or(0, |k| k.hit_count);
    let listed = context.duplicate_hits.len().min(HITS_SHOWN);
    let more = usize::try_from(total).unwrap_or(0).saturating_sub(listed);
    if more > 0 {
        let _ = writeln!(out, "  … {more} more");
    }
}

/// The entity's row in the read model, as it stands now.
fn read_model(out: &mut String, context: &DecisionContext) {
    let Some(row) = &context.read_model else {
        let _ = writeln!(out, "read model      no row for this entity");
        return;
    };
    let later = if row.last_decision_id == context.decision.decision_id {
        String::new()
    } else {
        format!(", last changed by {}", p(&row.last_decision_id))
    };
    let _ = writeln!(
        out,
        "read model      version {}, updated {}{later}",
        row.version,
        format_us(row.updated_at_us)
    );
    let state = verdict::ui_text::pretty_output(&row.state);
    for line in printable_multiline(&state).lines() {
        let _ = writeln!(out, "  {line}");
    }
}

fn sagas(out: &mut String, context: &DecisionContext) {
    for (saga, steps) in &context.sagas {
        let _ = writeln!(
            out,
            "saga            {} {} ({})",
            p(&saga.saga_type),
            p(&saga.saga_id),
            saga.state.as_str()
        );
        for s in steps {
            let _ = writeln!(
                out,
                "  {:>2}. {:<20} {}",
                s.step_index + 1,
                p(&s.name),
                s.status.as_str()
            );
            let failed = matches!(
                s.status,
                StepStatus::Failed | StepStatus::CompensationFailed
            );
            if let (true, Some(error)) = (failed, &s.last_error) {
                let _ = writeln!(out, "      last error: {}", p(error));
            }
        }
    }
}

fn output(out: &mut String, context: &DecisionContext) {
    let d = &context.decision;
    let kind = if d.output_is_json {
        ""
    } else {
        " (raw, not JSON)"
    };
    let pretty = verdict::ui_text::pretty_output(&d.raw_output);
    let _ = writeln!(out, "output{kind}\n{}", printable_multiline(&pretty));
}
