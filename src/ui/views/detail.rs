//! The detail pane of one decision: its facts, its key's duplicate hits, the saga it
//! started, and the output (pretty JSON, or the raw text clearly marked).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::{age, freshness_span};
use crate::clock::{format_us, Micros};
use crate::model::{Decision, Saga, SagaState, SagaStep, StepStatus};
use crate::store::DecisionContext;
use crate::ui::app::{App, Detail};
use crate::ui::detail::wrap_line;
use crate::ui::state::{Freshness, Load};
use crate::ui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, detail: &Detail, theme: &Theme) {
    let width = area.width.saturating_sub(2);
    let (lines, freshness) = match &detail.context {
        Load::Loading => (vec![Line::raw("loading…")], Freshness::Loading),
        Load::Failed(e) => (
            wrap_line(Line::styled(e.clone(), theme.error), width),
            Freshness::Error(e.clone()),
        ),
        Load::Ready { value, at_us } => (
            content(detail, value, app.now_us, width, theme),
            Freshness::of(Some(*at_us), None, &app.db),
        ),
    };
    let title = Line::from(vec![
        Span::styled(format!(" Decision {} · ", detail.decision_id), theme.header),
        freshness_span(&freshness, app.now_us, theme),
        Span::styled(" · Esc back ", theme.muted),
    ]);

    // The rows are laid out already; the scroll never goes past the last one.
    let height = usize::from(area.height.saturating_sub(2));
    let max = u16::try_from(lines.len().saturating_sub(height)).unwrap_or(u16::MAX);
    let block = Block::default().borders(Borders::ALL).title(title);
    let p = Paragraph::new(lines)
        .block(block)
        .scroll((detail.scroll.min(max), 0));
    frame.render_widget(p, area);
}

/// How many rows the detail's content takes in a pane `width` columns wide.
pub fn detail_rows(detail: &Detail, now_us: Micros, width: u16) -> usize {
    match &detail.context {
        Load::Loading => 1,
        Load::Failed(e) => wrap_line(Line::raw(e.clone()), width).len(),
        Load::Ready { value, .. } => {
            let head = head_rows(value, now_us, width, &Theme::monochrome()).len();
            let note = usize::from(detail.output.more_lines > 0);
            head + detail.output.rows.len() + note
        }
    }
}

/// Every row of the pane: the facts, sagas and the output heading cut to the width, then the
/// output rows laid out once per load, then a note when the output was cut.
fn content<'a>(
    detail: &'a Detail,
    ctx: &DecisionContext,
    now_us: Micros,
    width: u16,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let mut out = head_rows(ctx, now_us, width, theme);
    out.extend(detail.output.rows.iter().map(|r| Line::raw(r.as_str())));
    if let Some(note) = detail.output.note(&detail.decision_id) {
        out.push(Line::styled(note, theme.warn));
    }
    out
}

fn head_rows(
    ctx: &DecisionContext,
    now_us: Micros,
    width: u16,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let d = &ctx.decision;
    let mut out = facts(d, theme);
    out.extend(duplicates(ctx, now_us, theme));
    out.extend(sagas(ctx, now_us, theme));
    out.push(Line::raw(""));
    out.push(output_heading(d, theme));
    out.into_iter().flat_map(|l| wrap_line(l, width)).collect()
}

fn field<'a>(name: &str, value: String, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{name:<16}"), theme.muted),
        Span::raw(value),
    ])
}

fn facts<'a>(d: &Decision, theme: &Theme) -> Vec<Line<'a>> {
    let source = match &d.source {
        Some(s) => format!(
            "{} / partition {} / offset {}",
            s.topic, s.partition, s.offset
        ),
        None => "-".into(),
    };
    let label = d.label.clone().unwrap_or_else(|| "-".into());
    let confidence = d
        .confidence
        .map_or_else(|| "-".into(), |c| format!("{c:.3}"));
    let latency_ms = d.inference_latency_us / 1000;
    vec![
        field("decided at", format_us(d.decided_at_us), theme),
        field("label", format!("{label}   confidence {confidence}"), theme),
        field(
            "model",
            format!("{} {}   ({latency_ms} ms)", d.model.name, d.model.version),
            theme,
        ),
        field("idempotency key", d.idempotency_key.clone(), theme),
        field("event id", d.event_id.clone(), theme),
        field("entity", d.entity_key.clone(), theme),
        field("source", source, theme),
    ]
}

/// This key's duplicate hits: how many, and whether the most recent carried the same payload.
fn duplicates<'a>(ctx: &DecisionContext, now_us: i64, theme: &Theme) -> Vec<Line<'a>> {
    let shown = i64::try_from(ctx.duplicate_hits.len()).unwrap_or(i64::MAX);
    let count = ctx.dedup_key.as_ref().map_or(shown, |k| k.hit_count);
    let Some(last) = ctx.duplicate_hits.first() else {
        return vec![field("duplicate hits", "none".into(), theme)];
    };
    let (verdict, style) = if last.payload_matched {
        ("payload matched", theme.ok)
    } else {
        ("payload MISMATCH", theme.error)
    };
    let mismatches = ctx
        .duplicate_hits
        .iter()
        .filter(|h| !h.payload_matched)
        .count();
    let ago = age(last.delivered_at_us, now_us);
    let note = format!(
        "event {}; {mismatches} of the last {shown} mismatched",
        last.event_id
    );
    vec![
        Line::from(vec![
            Span::styled(format!("{:<16}", "duplicate hits"), theme.muted),
            Span::styled(count.to_string(), theme.duplicate),
            Span::raw(format!(", most recent {ago} ago: ")),
            Span::styled(verdict, style),
        ]),
        Line::styled(format!("{:<16}{note}", ""), theme.muted),
    ]
}

fn sagas<'a>(ctx: &DecisionContext, now_us: i64, theme: &Theme) -> Vec<Line<'a>> {
    if ctx.sagas.is_empty() {
        return vec![field("saga", "none started".into(), theme)];
    }
    let mut out = Vec::new();
    for (saga, steps) in &ctx.sagas {
        out.push(saga_line(saga, now_us, theme));
        out.push(field("  saga id", saga.saga_id.clone(), theme));
        out.extend(steps.iter().map(|step| step_line(step, theme)));
    }
    out
}

/// The saga's type and state; an in-flight saga past its deadline is marked STUCK.
fn saga_line<'a>(saga: &Saga, now_us: i64, theme: &Theme) -> Line<'a> {
    let style = match saga.state {
        SagaState::Running | SagaState::Compensating => theme.in_flight,
        SagaState::Compensated => theme.compensated,
        SagaState::Failed | SagaState::CompensationFailed => theme.failed,
        SagaState::Completed => theme.ok,
    };
    let stuck = saga.state.is_in_flight() && saga.deadline_at_us < now_us;
    let deadline = if stuck {
        Span::styled(
            format!(
                "  STUCK: deadline passed {} ago",
                age(saga.deadline_at_us, now_us)
            ),
            theme.warn,
        )
    } else {
        Span::styled(
            format!("  deadline {}", format_us(saga.deadline_at_us)),
            theme.muted,
        )
    };
    Line::from(vec![
        Span::styled(format!("{:<16}", "saga"), theme.muted),
        Span::raw(format!("{} ", saga.saga_type)),
        Span::styled(saga.state.as_str().to_owned(), style),
        deadline,
    ])
}

fn step_line<'a>(step: &SagaStep, theme: &Theme) -> Line<'a> {
    let style = match step.status {
        StepStatus::Done => theme.ok,
        StepStatus::Pending => theme.muted,
        StepStatus::Compensating => theme.in_flight,
        StepStatus::Compensated => theme.compensated,
        StepStatus::Failed | StepStatus::CompensationFailed => theme.failed,
    };
    let error = step
        .last_error
        .as_deref()
        .map(|e| format!("  error: {e}"))
        .unwrap_or_default();
    Line::from(vec![
        Span::raw(format!("  {}. {:<20} ", step.step_index + 1, step.name)),
        Span::styled(format!("{:<20}", step.status.as_str()), style),
        Span::styled(format!("undo: {}{error}", step.compensation), theme.muted),
    ])
}

fn output_heading<'a>(d: &Decision, theme: &Theme) -> Line<'a> {
    if d.output_is_json {
        Line::styled("output (JSON, pretty-printed):", theme.header)
    } else {
        let warn = "output is NOT JSON (RAW): the text as the model returned it:";
        Line::styled(warn, theme.warn)
    }
}
