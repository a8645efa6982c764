//! The scriptable commands, run as a user runs them: the real binary, real databases.

#![allow(clippy::unwrap_used)]

mod common;
mod lag_support;

use std::process::Command;
use std::sync::Arc;

use lag_support::cli::*;
use verdict::clock::{Clock, SystemClock};
use verdict::gate::{Event, Gate, GateConfig, ModelOutput};
use verdict::model::ModelId;
use verdict::projection::LabelProjector;
use verdict::store::Store;

fn stdout_json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "failed: {}", stderr(out));
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// Writes decisions through the real gate: one approve, one redelivery with a changed
/// payload, one non-JSON output.
async fn seed(url: &str) -> String {
    let store = Store::connect_and_migrate(url, 2).await.unwrap();
    let gate = Gate::new(
        store.clone(),
        Arc::new(SystemClock),
        GateConfig::default(),
        Arc::new(LabelProjector),
    );
    let ev = |id: &str, key: &str, payload: &str| Event {
        event_id: id.into(),
        idempotency_key: key.into(),
        entity_key: "claim-77".into(),
        payload: payload.into(),
        source: Some(verdict::model::SourcePosition {
            topic: "claims".into(),
            partition: 3,
            offset: 41,
        }),
    };
    let out = |raw: &str| {
        let raw = raw.to_owned();
        move |_: &Event| async move {
            Ok(ModelOutput {
                model: ModelId {
                    name: "claims-llm".into(),
                    version: "v2".into(),
                },
                raw_output: raw,
            })
        }
    };
    let first = gate
        .process(
            &ev("evt-1", "cust-1:claim-77:refund", r#"{"amount":10}"#),
            out(r#"{"label":"approve","confidence":0.81}"#),
        )
        .await
        .unwrap();
    gate.process(
        &ev("evt-2", "cust-1:claim-77:refund", r#"{"amount":99}"#),
        out("{}"),
    )
    .await
    .unwrap();
    gate.process(
        &ev("evt-3", "cust-2:claim-78:refund", "{}"),
        out("APPROVE!!"),
    )
    .await
    .unwrap();
    store.pool().close().await;
    first.decision().unwrap().decision_id.clone()
}

#[tokio::test]
async fn migrate_applies_once_on_sqlite_and_postgres() {
    let (_dir, sqlite) = common::fresh_sqlite();
    let pg = common::fresh_pg().await;
    for url in [sqlite.as_str(), pg.url.as_str()] {
        let first = stdout_json(&verdict(&["migrate", "--json", "--db", url]));
        assert_eq!(first["applied"], serde_json::json!([1, 2]), "{url}");
        let again = stdout_json(&verdict(&["migrate", "--json", "--db", url]));
        assert_eq!(again["applied"], serde_json::json!([]), "{url}");
        assert_eq!(again["current"], 2);
    }
    common::drop_pg(&pg).await;
}

#[tokio::test]
async fn lookup_and_stats_report_the_stored_values() {
    let (_dir, url) = common::fresh_sqlite();
    let decision_id = seed(&url).await;

    for needle in ["cust-1:claim-77:refund", "evt-1", "evt-2"] {
        let found = stdout_json(&verdict(&["lookup", needle, "--json", "--db", &url]));
        assert_eq!(
            found["decision"]["decision_id"],
            decision_id.as_str(),
            "{needle}"
        );
        assert_eq!(found["decision"]["label"], "approve");
        assert_eq!(found["decision"]["confidence"], 0.81);
        assert_eq!(found["decision"]["source"]["offset"], 41);
        assert_eq!(found["dedup_key"]["hit_count"], 1);
        assert_eq!(found["duplicate_hits"][0]["payload_matched"], false);
    }

    let stats = stdout_json(&verdict(&["stats", "--json", "--db", &url]));
    assert_eq!(stats["decisions"], 2);
    assert_eq!(stats["duplicate_hits"], 1);
    assert_eq!(stats["mismatched_payloads"], 1);

    let text = verdict(&["lookup", "evt-3", "--db", &url]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("output (raw, not JSON)\nAPPROVE!!"), "{text}");

    let missing = verdict(&["lookup", "no-such-key", "--db", &url]);
    assert_eq!(missing.status.code(), Some(3));
    assert!(stderr(&missing).contains("no decision for 'no-such-key'"));
}

/// Runs `verdict stats` with a config file holding `text`.
fn stats_with_config(text: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("verdict.toml");
    std::fs::write(&path, text).unwrap();
    verdict(&["stats", "--config", path.to_str().unwrap()])
}

#[test]
fn bad_config_line_is_named() {
    let out = stats_with_config("operator = \"ana\"\n[dedup]\nwindow_days = \"many\"\n");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("verdict.toml") && err.contains("line 3") && err.contains("window_days"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn password_in_config_is_refused_and_not_echoed() {
    let out = stats_with_config("[database]\nurl = \"postgres://app:s3cr3t@db/verdict\"\n");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("url_env") && !err.contains("s3cr3t"), "{err}");
}

#[test]
fn unreachable_database_gives_a_clear_message() {
    let out = verdict(&["stats", "--db", "postgres://verdict:pw@127.0.0.1:1/verdict"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("cannot connect to postgres://verdict:***@127.0.0.1:1/verdict"),
        "{err}"
    );
    assert!(!err.contains(":pw@") && !err.contains("panicked"), "{err}");
}

#[test]
fn no_database_says_how_to_give_one() {
    let out = verdict(&["stats"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("pass --db URL, set VERDICT_DATABASE_URL"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unknown_database_scheme_is_refused() {
    let out = verdict(&["stats", "--db", "mysql://root@127.0.0.1/test"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("unsupported database URL"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_second_demo_does_not_delete_the_first_ones_database() {
    let state = tempfile::tempdir().unwrap();
    let mut first = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(["demo", "--no-ui", "--duration", "60"])
        .env("XDG_STATE_HOME", state.path())
        .env_remove("VERDICT_DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let db = state.path().join("verdict/demo.db");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !db.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the first demo never created {db:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    let second = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(["demo", "--no-ui", "--duration", "1"])
        .env("XDG_STATE_HOME", state.path())
        .env_remove("VERDICT_DATABASE_URL")
        .output()
        .unwrap();
    first.kill().unwrap();
    first.wait().unwrap();

    assert_eq!(second.status.code(), Some(1));
    let err = stderr(&second);
    assert!(err.contains("another `verdict demo` is running"), "{err}");
    assert!(db.exists(), "the first demo's database was deleted");
}

#[test]
fn read_only_refuses_the_commands_that_write() {
    let (_dir, url) = common::fresh_sqlite();
    let migrate = verdict(&["migrate", "--read-only", "--db", &url]);
    assert_eq!(migrate.status.code(), Some(1));
    assert!(stderr(&migrate).contains("read-only session: migrate changes the database schema"));
    let demo = verdict(&[
        "demo",
        "--no-ui",
        "--read-only",
        "--events",
        "5",
        "--db",
        &url,
    ]);
    assert_eq!(demo.status.code(), Some(1));
    assert!(
        stderr(&demo).contains("read-only session: the demo writes"),
        "{}",
        stderr(&demo)
    );

    // Nothing was written: the database file was never even created.
    let path = url.trim_start_matches("sqlite://");
    assert!(!std::path::Path::new(path).exists(), "{path} was created");
}

/// Stores one decision through the real gate with `raw` as the model's output.
async fn seed_one(url: &str, event_id: &str, key: &str, raw: &str) {
    let store = Store::connect_and_migrate(url, 2).await.unwrap();
    let gate = Gate::new(
        store.clone(),
        Arc::new(SystemClock),
        GateConfig::default(),
        Arc::new(LabelProjector),
    );
    let event = Event {
        event_id: event_id.into(),
        idempotency_key: key.into(),
        entity_key: "claim-9".into(),
        payload: "{}".into(),
        source: None,
    };
    let raw = raw.to_owned();
    gate.process(&event, move |_: &Event| async move {
        Ok(ModelOutput {
            model: ModelId {
                name: "claims-llm".into(),
                version: "v2".into(),
            },
            raw_output: raw,
        })
    })
    .await
    .unwrap();
    store.pool().close().await;
}

#[tokio::test]
async fn lookup_text_shows_escape_sequences_escaped() {
    let (_dir, url) = common::fresh_sqlite();
    // A JSON output whose label holds an ESC, and a raw output that is one.
    seed_one(&url, "evt-j", "k:\x1b[2J", r#"{"label":"\u001b[2Jwiped"}"#).await;
    seed_one(&url, "evt-r", "k:raw", "\x1b[2Jcleared\x1b]0;owned\x07").await;

    for (needle, shown) in [
        ("evt-j", "label           \\u{1b}[2Jwiped"),
        ("evt-j", "idempotency key k:\\u{1b}[2J"),
        ("evt-r", "\\u{1b}[2Jcleared\\u{1b}]0;owned\\u{7}"),
    ] {
        let out = verdict(&["lookup", needle, "--db", &url]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            !out.stdout.contains(&0x1b),
            "ESC reached stdout for {needle}"
        );
        assert!(
            !out.stdout.contains(&0x07),
            "BEL reached stdout for {needle}"
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(shown), "{needle}: {text}");
    }

    // JSON stays JSON: serde escapes the control character itself.
    let json = stdout_json(&verdict(&["lookup", "evt-j", "--json", "--db", &url]));
    assert_eq!(json["decision"]["label"], "\x1b[2Jwiped");
}

#[tokio::test]
async fn a_reader_that_closes_stdout_early_ends_stats_and_lookup_quietly() {
    let (_dir, url) = common::fresh_sqlite();
    seed(&url).await;
    for args in [
        vec!["stats", "--json", "--db", &url],
        vec!["stats", "--db", &url],
        vec!["lookup", "evt-1", "--db", &url],
        vec!["lookup", "evt-1", "--json", "--db", &url],
    ] {
        // Closing the reading end before verdict has connected: its first write fails.
        let mut child = spawn_piped(&args, None);
        drop(child.stdout.take());
        let (status, err) = exit_of(child);
        assert_quiet_end(status, &err);
    }
}

/// Starts a one-step saga for every decision, so a lookup has a step to fail.
struct PayoutProjector;

impl verdict::projection::Projector for PayoutProjector {
    fn project(
        &self,
        d: &verdict::model::Decision,
        _current: Option<&verdict::model::ReadModelRow>,
    ) -> verdict::projection::Projection {
        verdict::projection::Projection {
            state: Some(format!(
                r#"{{"label":"{}"}}"#,
                d.label.clone().unwrap_or_default()
            )),
            saga: Some(verdict::saga::SagaPlan {
                saga_type: "payout".into(),
                steps: vec![verdict::saga::StepPlan {
                    name: "send-payout".into(),
                    compensation: "cancel-payout".into(),
                }],
                deadline_us: 60_000_000,
            }),
            outbox: Vec::new(),
        }
    }
}

#[tokio::test]
async fn lookup_text_lists_hits_redelivery_read_model_and_step_errors() {
    let (_dir, url) = common::fresh_sqlite();
    let store = Store::connect_and_migrate(&url, 2).await.unwrap();
    let gate = Gate::new(
        store.clone(),
        Arc::new(SystemClock),
        GateConfig::default(),
        Arc::new(PayoutProjector),
    );
    let model = |_: &Event| async {
        Ok(ModelOutput {
            model: ModelId {
                name: "claims-llm".into(),
                version: "v2".into(),
            },
            raw_output: r#"{"label":"approve"}"#.into(),
        })
    };
    // The original, then 12 redeliveries; the last one's payload differs.
    for i in 0..13 {
        let event = Event {
            event_id: format!("evt-{i}"),
            idempotency_key: "cust-5:claim-9:refund".into(),
            entity_key: "claim-9".into(),
            payload: if i == 12 {
                "{\"amount\":2}"
            } else {
                "{\"amount\":1}"
            }
            .into(),
            source: None,
        };
        gate.process(&event, model).await.unwrap();
    }
    let decision = store.lookup("evt-0").await.unwrap().unwrap();
    let (saga, _) = store
        .sagas_for_decision(&decision.decision_id)
        .await
        .unwrap()
        .remove(0);
    let failure = verdict::saga::StepResult::Failed("payout api said 503".into());
    verdict::saga::record_step(&store, &saga, failure, SystemClock.now_us())
        .await
        .unwrap();
    store.pool().close().await;

    let out = verdict(&["lookup", "evt-12", "--db", &url]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("evt-12 is a redelivery of evt-0\n"),
        "{text}"
    );
    let hit_lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("payload matched") || l.contains("MISMATCH"))
        .collect();
    assert_eq!(hit_lines.len(), 10, "{text}");
    assert!(
        hit_lines[0].contains("evt-12") && hit_lines[0].ends_with("MISMATCH"),
        "{text}"
    );
    assert!(text.contains("  … 2 more\n"), "{text}");
    assert!(text.contains("read model      version 1"), "{text}");
    assert!(text.contains(r#""label": "approve""#), "{text}");
    assert!(text.contains("last error: payout api said 503"), "{text}");

    let original = verdict(&["lookup", "evt-0", "--db", &url]);
    let text = String::from_utf8_lossy(&original.stdout);
    assert!(!text.contains("is a redelivery"), "{text}");
}

#[tokio::test]
async fn reading_commands_neither_create_a_missing_sqlite_file_nor_say_no_such_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.db");
    let url = format!("sqlite://{}", path.display());
    let stats = ["stats", "--db", url.as_str()];
    let lookup = ["lookup", "evt-1", "--db", url.as_str()];
    for args in [&stats[..], &lookup[..]] {
        let out = verdict(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("no SQLite database at") && err.contains("verdict migrate"),
            "{err}"
        );
        assert!(!path.exists(), "{args:?} created {path:?}");
    }

    // An empty database that exists but was never migrated.
    let pg = common::fresh_pg().await;
    let empty = dir.path().join("empty.db");
    std::fs::File::create(&empty).unwrap();
    let empty_url = format!("sqlite://{}", empty.display());
    for url in [empty_url.as_str(), pg.url.as_str()] {
        let out = verdict(&["stats", "--db", url]);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(err.contains("has no verdict schema"), "{err}");
        assert!(err.contains("run `verdict migrate --db"), "{err}");
        assert!(!err.contains("no such table"), "{err}");
    }
    common::drop_pg(&pg).await;
}

#[test]
fn migrate_into_a_missing_directory_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir");
    let url = format!("sqlite://{}/verdict.db", missing.display());
    let out = verdict(&["migrate", "--db", &url]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("does not exist") && err.contains("no-such-dir"),
        "{err}"
    );
}

#[test]
fn demo_refuses_zero_events() {
    let out = verdict(&["demo", "--no-ui", "--events", "0"]);
    assert_eq!(out.status.code(), Some(2), "clap's usage error");
    let err = stderr(&out);
    assert!(err.contains("--events") && err.contains("0"), "{err}");
}

#[test]
fn config_with_two_database_urls_and_a_zero_refresh_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("verdict.toml");
    for (text, said) in [
        (
            "[database]\nurl = \"sqlite://a.db\"\nurl_file = \"/run/db\"\n",
            "database.url and database.url_file are both set",
        ),
        ("[console]\nrefresh_ms = 0\n", "the minimum is 100"),
    ] {
        std::fs::write(&path, text).unwrap();
        let out = verdict(&["stats", "--config", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(err.contains(said), "{err}");
        assert_eq!(err.matches("config:").count(), 1, "one prefix: {err}");
    }
}
