//! The console's database poller against real databases: decisions written through the gate
//! into SQLite and PostgreSQL show up in its messages, and a PostgreSQL that goes away and
//! comes back gives "unreachable" and then fresh data, never a crash.

mod common;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use verdict::clock::{Clock, ManualClock};
use verdict::gate::{Event, Gate, GateConfig, ModelOutput, Outcome};
use verdict::model::{Decision, ModelId, ReadModelRow, SourcePosition, StepStatus};
use verdict::projection::{Projection, Projector};
use verdict::saga::{SagaPlan, StepPlan, StepResult};
use verdict::store::sagas_view::SagaSection;
use verdict::store::{DecisionSummary, Store};
use verdict::ui::app::{App, Event as UiEvent};
use verdict::ui::poller::{self, PollerConfig, PollerHandle, PollerMsg, Request};
use verdict::ui::state::{ConsoleInfo, KafkaSource};
use verdict::ui::theme::Theme;

const START_US: i64 = 1_780_000_000_000_000;
const DEADLINE: Duration = Duration::from_secs(60);

/// Starts a two-step refund saga on "approve".
struct RefundProjector;

impl Projector for RefundProjector {
    fn project(&self, d: &Decision, _current: Option<&ReadModelRow>) -> Projection {
        let saga = (d.label.as_deref() == Some("approve")).then(|| SagaPlan {
            saga_type: "refund".into(),
            steps: vec![
                StepPlan {
                    name: "mark-approved".into(),
                    compensation: "unmark".into(),
                },
                StepPlan {
                    name: "schedule-payout".into(),
                    compensation: "cancel-payout".into(),
                },
            ],
            deadline_us: 60_000_000,
        });
        Projection {
            state: d.label.clone().map(|l| format!("{{\"label\":\"{l}\"}}")),
            saga,
            outbox: vec![],
        }
    }
}

fn event(id: &str, key: &str, payload: &str) -> Event {
    Event {
        event_id: id.into(),
        idempotency_key: key.into(),
        entity_key: format!("claim-{key}"),
        payload: payload.into(),
        source: Some(SourcePosition {
            topic: "claims.events".into(),
            partition: 2,
            offset: 77,
        }),
    }
}

async fn decide(gate: &Gate, e: &Event, raw: &str) -> Outcome {
    let output = ModelOutput {
        model: ModelId {
            name: "claims-llm".into(),
            version: "v7".into(),
        },
        raw_output: raw.into(),
    };
    gate.process(e, |_| async move { Ok(output) })
        .await
        .expect("gate")
}

fn gate_on(store: &Store, clock: &ManualClock) -> Gate {
    Gate::new(
        store.clone(),
        Arc::new(clock.clone()),
        GateConfig::default(),
        Arc::new(RefundProjector),
    )
}

fn start_poller(url: &str, clock: &ManualClock) -> PollerHandle {
    let config = PollerConfig {
        db_url: url.into(),
        max_connections: 2,
        refresh: Duration::from_millis(100),
        tail_rows: 50,
        search_rows: 50,
    };
    poller::spawn(config, Arc::new(clock.clone()))
}

/// Reads poller messages until `pick` returns something, or fails after [`DEADLINE`].
async fn until<T>(
    rx: &mut mpsc::Receiver<PollerMsg>,
    mut pick: impl FnMut(&PollerMsg) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let mut seen = Vec::new();
    loop {
        let msg = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("no matching poller message in {DEADLINE:?}; saw {seen:#?}"))
            .expect("poller stopped");
        if let Some(found) = pick(&msg) {
            return found;
        }
        seen.push(msg);
        if seen.len() > 20 {
            seen.remove(0);
        }
    }
}

async fn decisions_show_up(url: &str) {
    let store = Store::connect_and_migrate(url, 4)
        .await
        .expect("connect and migrate");
    let clock = ManualClock::new(START_US);
    let first = seed(&gate_on(&store, &clock), &clock).await;

    let mut poller = start_poller(url, &clock);
    let rows = figures_and_tail(&mut poller.messages).await;
    detail(&mut poller, &first.decision_id).await;
    search_and_page(&mut poller, &rows).await;
    drawn(rows);
    stuck_saga_listed(&mut poller, &store, &clock, &first).await;

    drop(poller.requests);
    poller
        .task
        .await
        .expect("poller ends when the console goes");
    store.pool().close().await;
}

/// Three decisions (one with a non-JSON output) and two redeliveries of the first, one with
/// a changed payload. Returns the first decision.
async fn seed(gate: &Gate, clock: &ManualClock) -> Decision {
    let approve = r#"{"label":"approve","confidence":0.91}"#;
    let reject = r#"{"label":"reject","confidence":0.4}"#;
    let outcome = decide(gate, &event("e1", "k1", "{\"a\":1}"), approve).await;
    let Outcome::Decided(first) = outcome else {
        panic!("first delivery must decide")
    };
    clock.advance(1_000);
    decide(gate, &event("e2", "k2", "{}"), reject).await;
    clock.advance(1_000);
    decide(gate, &event("e3", "k3", "{}"), "approve, I guess?").await;
    clock.advance(1_000);
    decide(gate, &event("e1", "k1", "{\"a\":1}"), approve).await;
    clock.advance(1_000);
    decide(gate, &event("e1-again", "k1", "{\"a\":2}"), approve).await;
    first
}

async fn figures_and_tail(rx: &mut mpsc::Receiver<PollerMsg>) -> Vec<DecisionSummary> {
    until(rx, |m| {
        matches!(m, PollerMsg::Connected { .. }).then_some(())
    })
    .await;
    let s = until(rx, |m| match m {
        PollerMsg::Overview(s) => Some(s.clone()),
        _ => None,
    })
    .await;
    assert_eq!((s.window_decisions, s.window_duplicate_hits), (3, 2));
    assert_eq!(
        (s.sagas_in_flight, s.sagas_stuck, s.sagas_failed),
        (1, 0, 0)
    );
    let rows = until(rx, |m| match m {
        PollerMsg::Tail { rows, .. } => Some(rows.clone()),
        _ => None,
    })
    .await;
    let keys: Vec<_> = rows.iter().map(|r| r.idempotency_key.as_str()).collect();
    assert_eq!(keys, ["k3", "k2", "k1"], "newest first");
    assert_eq!(
        (rows[2].label.as_deref(), rows[2].confidence),
        (Some("approve"), Some(0.91))
    );
    assert_eq!(rows[1].label.as_deref(), Some("reject"));
    assert!(!rows[0].output_is_json && rows[1].output_is_json);
    rows
}

/// The detail of the first decision: both duplicate hits, one mismatch, its saga.
async fn detail(poller: &mut PollerHandle, id: &str) {
    let request = Request::Detail {
        decision_id: id.to_owned(),
    };
    poller.requests.send(request).await.expect("send");
    let ctx = until(&mut poller.messages, |m| match m {
        PollerMsg::Detail {
            decision_id,
            result,
        } if decision_id == id => Some(result.clone()),
        _ => None,
    })
    .await
    .expect("detail query")
    .expect("decision exists");
    assert_eq!(ctx.decision.source.as_ref().map(|s| s.offset), Some(77));
    assert_eq!(ctx.dedup_key.as_ref().map(|k| k.hit_count), Some(2));
    let matched: Vec<_> = ctx
        .duplicate_hits
        .iter()
        .map(|h| h.payload_matched)
        .collect();
    assert_eq!(
        matched,
        [false, true],
        "newest first: the changed payload is a mismatch"
    );
    let (saga, steps) = &ctx.sagas[0];
    assert_eq!(saga.saga_type, "refund");
    let statuses: Vec<_> = steps.iter().map(|s| s.status).collect();
    assert_eq!(statuses, [StepStatus::Pending; 2]);
}

/// A search by event id, and the older page after the newest row.
async fn search_and_page(poller: &mut PollerHandle, rows: &[DecisionSummary]) {
    let request = Request::Search {
        needle: "e2".into(),
    };
    poller.requests.send(request).await.expect("send");
    let found = until(&mut poller.messages, |m| match m {
        PollerMsg::Search { needle, result } if needle == "e2" => Some(result.clone()),
        _ => None,
    })
    .await
    .expect("search");
    let keys: Vec<_> = found.iter().map(|r| r.idempotency_key.as_str()).collect();
    assert_eq!(keys, ["k2"]);

    let after = rows[0].cursor();
    let request = Request::Page {
        after: after.clone(),
        limit: 10,
    };
    poller.requests.send(request).await.expect("send");
    let page = until(&mut poller.messages, |m| match m {
        PollerMsg::Page { after: a, result } if *a == after => Some(result.clone()),
        _ => None,
    })
    .await
    .expect("page");
    assert_eq!(page, rows[1..].to_vec());
}

/// The first decision's saga, one step done, then left past its deadline, is listed stuck
/// ahead of a newer saga still in flight, with its current step; its steps come on request.
async fn stuck_saga_listed(
    poller: &mut PollerHandle,
    store: &Store,
    clock: &ManualClock,
    first: &Decision,
) {
    let sagas = store
        .sagas_for_decision(&first.decision_id)
        .await
        .expect("sagas");
    let saga = &sagas[0].0;
    verdict::saga::record_step(store, saga, StepResult::Done, clock.now_us())
        .await
        .expect("step done");
    clock.advance(61_000_000);
    let gate = gate_on(store, clock);
    decide(&gate, &event("e9", "k9", "{}"), r#"{"label":"approve"}"#).await;

    let request = Request::Sagas {
        after: None,
        limit: 10,
    };
    poller.requests.send(request).await.expect("send");
    let rows = until(&mut poller.messages, |m| match m {
        PollerMsg::Sagas { result, .. } => Some(result.clone()),
        _ => None,
    })
    .await
    .expect("sagas page");
    let listed: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.section,
                r.saga.entity_key.as_str(),
                r.step_name.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (SagaSection::Stuck, "claim-k1", Some("schedule-payout")),
            (SagaSection::InFlight, "claim-k9", Some("mark-approved")),
        ]
    );

    // The next page after the last row is empty: the list is keyset-paginated.
    let after = Some(rows[1].cursor());
    let request = Request::Sagas {
        after: after.clone(),
        limit: 10,
    };
    poller.requests.send(request).await.expect("send");
    let next = until(&mut poller.messages, |m| match m {
        PollerMsg::Sagas {
            after: a, result, ..
        } if *a == after => Some(result.clone()),
        _ => None,
    })
    .await
    .expect("next page");
    assert!(next.is_empty(), "{next:?}");

    let saga_id = saga.saga_id.clone();
    let request = Request::SagaSteps {
        saga_id: saga_id.clone(),
    };
    poller.requests.send(request).await.expect("send");
    let found = until(&mut poller.messages, |m| match m {
        PollerMsg::SagaSteps {
            saga_id: id,
            result,
        } if *id == saga_id => Some(result.clone()),
        _ => None,
    })
    .await
    .expect("steps")
    .expect("saga exists");
    let statuses: Vec<_> = found.1.iter().map(|s| s.status).collect();
    assert_eq!(statuses, [StepStatus::Done, StepStatus::Pending]);

    // The detail pane's refresh reads the same steps through the decision.
    let decision_id = first.decision_id.clone();
    let request = Request::DetailSagas {
        decision_id: decision_id.clone(),
    };
    poller.requests.send(request).await.expect("send");
    let sagas = until(&mut poller.messages, |m| match m {
        PollerMsg::DetailSagas {
            decision_id: id,
            result,
        } if *id == decision_id => Some(result.clone()),
        _ => None,
    })
    .await
    .expect("detail sagas");
    assert_eq!(sagas.len(), 1);
    assert_eq!(sagas[0].1[0].status, StepStatus::Done);
}

/// The same rows drawn by the console.
fn drawn(rows: Vec<DecisionSummary>) {
    let mut app = App::new(info(), START_US, (100, 30));
    app.handle(UiEvent::Db(PollerMsg::Tail {
        at_us: START_US,
        rows,
    }));
    app.handle(UiEvent::Key(KeyEvent::from(KeyCode::Char('2'))));
    let screen = draw(&app);
    for expected in ["k1", "reject", "0.91", "RAW"] {
        assert!(
            screen.contains(expected),
            "{expected} missing from\n{screen}"
        );
    }
}

fn info() -> ConsoleInfo {
    ConsoleInfo {
        backend: "sqlite".into(),
        db_display: "-".into(),
        kafka: KafkaSource::NoBrokers,
        operator: "test".into(),
        read_only: false,
        poll_every: std::time::Duration::from_secs(1),
        lag_every: std::time::Duration::from_secs(5),
    }
}

fn draw(app: &App) -> String {
    let backend = ratatui::backend::TestBackend::new(app.size.0, app.size.1);
    let mut terminal = ratatui::Terminal::new(backend).expect("terminal");
    terminal
        .draw(|f| verdict::ui::views::draw(f, app, &Theme::default()))
        .expect("draw");
    terminal.backend().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_show_up_from_sqlite() {
    let (_dir, url) = common::fresh_sqlite();
    decisions_show_up(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_show_up_from_postgres() {
    let db = common::fresh_pg().await;
    decisions_show_up(&db.url).await;
    common::drop_pg(&db).await;
}

/// A TCP proxy to PostgreSQL that the test can cut and restore.
struct Proxy {
    port: u16,
    accept: JoinHandle<()>,
    conns: Arc<std::sync::Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let conns = Arc::new(std::sync::Mutex::new(Vec::new()));
        let held = conns.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let conn = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect("127.0.0.1:5432").await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                held.lock().expect("lock").push(conn);
            }
        });
        Self {
            port,
            accept,
            conns,
        }
    }

    /// Closes the listener and every proxied connection.
    async fn stop(self) -> u16 {
        self.accept.abort();
        let _ = self.accept.await;
        let conns: Vec<_> = self.conns.lock().expect("lock").drain(..).collect();
        for conn in conns {
            conn.abort();
            let _ = conn.await;
        }
        self.port
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_restart_gives_reconnecting_then_fresh_data() {
    let db = common::fresh_pg().await;
    let store = Store::connect_and_migrate(&db.url, 2)
        .await
        .expect("migrate");
    let clock = ManualClock::new(START_US);
    let gate = gate_on(&store, &clock);
    decide(
        &gate,
        &event("e1", "before", "{}"),
        r#"{"label":"approve","confidence":0.8}"#,
    )
    .await;

    let proxy = Proxy::start(0).await;
    let via_proxy = format!("postgres://postgres@127.0.0.1:{}/{}", proxy.port, db.name);
    let mut poller = start_poller(&via_proxy, &clock);
    let keys = |m: &PollerMsg| match m {
        PollerMsg::Tail { rows, .. } => Some(
            rows.iter()
                .map(|r| r.idempotency_key.clone())
                .collect::<Vec<_>>(),
        ),
        _ => None,
    };
    assert_eq!(until(&mut poller.messages, keys).await, ["before"]);

    // The database goes away: the proxy closes and the server drops the sessions.
    let port = proxy.stop().await;
    let admin = Store::connect(&common::pg_admin_url(), 1)
        .await
        .expect("admin");
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()")
        .bind(&db.name)
        .execute(admin.pool())
        .await
        .expect("terminate");
    let (error, attempt) = until(&mut poller.messages, |m| match m {
        PollerMsg::Unreachable { error, attempt, .. } => Some((error.clone(), *attempt)),
        _ => None,
    })
    .await;
    assert!(attempt >= 1 && !error.is_empty(), "{attempt}: {error}");

    // Meanwhile a decision is made; when the database is back the poller shows it.
    clock.advance(5_000);
    decide(
        &gate,
        &event("e2", "during", "{}"),
        r#"{"label":"reject","confidence":0.3}"#,
    )
    .await;
    let proxy = Proxy::start(port).await;
    until(&mut poller.messages, |m| {
        matches!(m, PollerMsg::Connected { .. }).then_some(())
    })
    .await;
    assert_eq!(
        until(&mut poller.messages, keys).await,
        ["during", "before"]
    );

    drop(poller.requests);
    poller.task.await.expect("poller ends");
    proxy.stop().await;
    store.pool().close().await;
    admin.pool().close().await;
    common::drop_pg(&db).await;
}
