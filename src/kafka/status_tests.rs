//! Unit tests of the lag evaluator, with the numbers of the cases the tailer must get right.

use super::*;

const T0: Micros = 1_700_000_000_000_000;
const SEC: Micros = 1_000_000;

fn sample(at: Micros, committed: Option<i64>, log_start: i64, hw: i64) -> Sample {
    Sample {
        at_us: T0 + at,
        committed,
        log_start,
        high_watermark: hw,
        last_stable: hw,
    }
}

fn window(samples: &[Sample]) -> Window {
    let mut w = Window::default();
    for s in samples {
        w.push(*s);
    }
    w
}

fn eval_one(s: Sample) -> Evaluation {
    evaluate(&window(&[s]), &Context::default(), s.at_us)
}

#[test]
fn case1_no_commit_counts_from_the_log_start() {
    let e = eval_one(sample(0, None, 0, 358));
    assert_eq!(e.lag, 358);
    assert_eq!(e.notes, vec![Note::NoCommit]);
    assert_eq!(note_text(&e.notes[0]), "no commit");

    let emptied = eval_one(sample(0, None, 100, 100));
    assert_eq!(emptied.lag, 0);
    assert_eq!(emptied.lag_time, LagTime::CaughtUp);
}

#[test]
fn case2_expired_commit_has_no_lag_but_a_warning() {
    let e = eval_one(sample(0, Some(1_000), 1_000_000, 1_000_000));
    assert_eq!(e.lag, 0);
    assert_eq!(e.status, Status::Ok);
    assert_eq!(e.notes, vec![Note::Expired { records: 999_000 }]);
    assert_eq!(note_text(&e.notes[0]), "999000 records expired unconsumed");
}

#[test]
fn case3_commit_read_after_the_watermark_is_never_negative() {
    let e = eval_one(sample(0, Some(5_030), 0, 5_000));
    assert_eq!(e.lag, 0);
    assert_eq!(e.lag_read_committed, 0);
    assert_eq!(e.notes, vec![Note::CommitAhead { by: 30 }]);
}

#[test]
fn case4_a_commit_marker_left_unread_is_caught_up_not_stalled() {
    let s = |at| sample(at, Some(100), 0, 101);
    let w = window(&[s(0), s(5 * SEC), s(10 * SEC), s(15 * SEC)]);
    let ctx = Context {
        ownership: Ownership::Owned,
        tail_is_control: Some(true),
        ..Default::default()
    };
    let e = evaluate(&w, &ctx, T0 + 15 * SEC);
    assert_eq!(e.lag, 1);
    assert_eq!(e.effective_lag, 0);
    assert_eq!(e.status, Status::Ok);
    assert_eq!(e.lag_time, LagTime::CaughtUp);
    assert_eq!(e.notes, vec![Note::TransactionMarker]);

    // Without the probe's answer the same numbers are a stall: the marker is what clears it.
    let unknown = Context {
        ownership: Ownership::Owned,
        ..Default::default()
    };
    assert_eq!(evaluate(&w, &unknown, T0 + 15 * SEC).status, Status::Stall);
}

#[test]
fn case5_open_transaction_shows_both_figures() {
    let s = Sample {
        at_us: T0,
        committed: Some(200),
        log_start: 0,
        high_watermark: 1_663,
        last_stable: 200,
    };
    let e = eval_one(s);
    assert_eq!(e.lag, 1_463);
    assert_eq!(e.lag_read_committed, 0);
    assert_eq!(e.notes, vec![Note::OpenTransaction { blocked: 1_463 }]);
    let why = explain(&e, &Context::default(), Some(&s));
    assert!(why.contains("blocked by an open transaction"), "{why}");
}

#[test]
fn case6_new_partitions_without_commit_lag_their_whole_log() {
    let e = eval_one(sample(0, None, 0, 5_000));
    assert_eq!(e.lag, 5_000);
    assert_eq!(e.notes, vec![Note::NoCommit]);
}

#[test]
fn case7_unowned_partition_behind_and_not_moving_is_stopped() {
    let s = |at| sample(at, Some(40), 0, 90);
    let w = window(&[s(0), s(5 * SEC), s(10 * SEC)]);
    let ctx = Context {
        ownership: Ownership::Unowned,
        ..Default::default()
    };
    let e = evaluate(&w, &ctx, T0 + 10 * SEC);
    assert_eq!(e.lag, 50);
    assert_eq!(e.status, Status::Stop);
    assert!(explain(&e, &ctx, w.latest()).contains("no member owns the partition"));
}

#[test]
fn owned_partition_not_moving_is_stalled() {
    let s = |at| sample(at, Some(40), 0, 90);
    let w = window(&[s(0), s(5 * SEC), s(10 * SEC)]);
    let ctx = Context {
        ownership: Ownership::Owned,
        ..Default::default()
    };
    assert_eq!(evaluate(&w, &ctx, T0 + 10 * SEC).status, Status::Stall);
}

#[test]
fn lag_growing_while_committing_warns() {
    let w = window(&[
        sample(0, Some(10), 0, 20),
        sample(5 * SEC, Some(15), 0, 30),
        sample(10 * SEC, Some(20), 0, 45),
    ]);
    let e = evaluate(&w, &Context::default(), T0 + 10 * SEC);
    assert_eq!(e.status, Status::Warn);
}

#[test]
fn commit_going_back_is_a_rewind() {
    let w = window(&[
        sample(0, Some(50), 0, 60),
        sample(5 * SEC, Some(60), 0, 60),
        sample(10 * SEC, Some(5), 0, 60),
    ]);
    assert_eq!(evaluate(&w, &Context::default(), T0).status, Status::Rewind);
}

#[test]
fn a_failed_refresh_is_an_error_with_its_reason() {
    let w = window(&[sample(0, Some(1), 0, 2)]);
    let ctx = Context {
        error: Some("leader not available"),
        ..Default::default()
    };
    let e = evaluate(&w, &ctx, T0);
    assert_eq!(e.status, Status::Err);
    assert!(explain(&e, &ctx, w.latest()).contains("leader not available"));
}

#[test]
fn too_few_samples_is_ok_even_when_behind() {
    let w = window(&[sample(0, Some(1), 0, 900), sample(SEC, Some(1), 0, 950)]);
    assert_eq!(evaluate(&w, &Context::default(), T0).status, Status::Ok);
}

#[test]
fn lag_time_interpolates_between_bracketing_watermarks() {
    // The watermark went 100 -> 200 between t=0 and t=10s; offset 150 was written at ~5s.
    let w = window(&[
        sample(0, Some(150), 0, 100),
        sample(10 * SEC, Some(150), 0, 200),
    ]);
    let e = evaluate(&w, &Context::default(), T0 + 20 * SEC);
    assert_eq!(e.lag_time, LagTime::About(15 * SEC));
}

#[test]
fn lag_time_older_than_the_window_is_a_lower_bound() {
    let w = window(&[
        sample(0, Some(10), 0, 100),
        sample(10 * SEC, Some(10), 0, 200),
    ]);
    let e = evaluate(&w, &Context::default(), T0 + 30 * SEC);
    assert_eq!(e.lag_time, LagTime::AtLeast(30 * SEC));
}

#[test]
fn window_is_bounded() {
    let mut w = Window::default();
    for i in 0..(WINDOW as i64 * 5) {
        w.push(sample(i, Some(i), 0, i));
    }
    assert_eq!(w.len(), WINDOW);
    assert_eq!(
        w.latest().map(|s| s.committed),
        Some(Some(WINDOW as i64 * 5 - 1))
    );
}

#[test]
fn group_takes_its_worst_partition() {
    assert_eq!(
        worst([Status::Ok, Status::Stop, Status::Warn]),
        Status::Stop
    );
    assert_eq!(worst([]), Status::Ok);
}

#[test]
fn group_without_commits_or_members_is_an_error_with_its_reason() {
    let (status, reason) = judge_group([], false, 0);
    assert_eq!(status, Status::Err);
    assert_eq!(reason.as_deref(), Some(NEVER_COMMITTED));

    // A member, or one commit anywhere, and the partitions decide.
    assert_eq!(judge_group([Status::Ok], false, 1), (Status::Ok, None));
    assert_eq!(judge_group([Status::Warn], true, 0), (Status::Warn, None));
}
