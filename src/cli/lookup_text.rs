//! The text `verdict lookup` prints: one decision and what hangs off it.
//!
//! Every stored string goes through [`printable`]: keys, labels and model output are data
//! from outside and must not drive the terminal.

use std::fmt::Write;

use verdict::clock::format_us;
use verdict::store::DecisionContext;
use verdict::text::{printable as p, printable_multiline};

/// The whole report, newline-terminated.
pub fn render(context: &DecisionContext, _needle: &str) -> String {
    let mut out = String::new();
    decision(&mut out, context);
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
