//! The console's lag plumbing against librdkafka's mock cluster: the tailer started by
//! `LagFeed`, its snapshots turned into `Event::Lag`, and the App showing the lag of a group
//! named in the config (the mock cluster does not answer ListGroups).

mod console_support;
mod lag_support;

use std::sync::Arc;
use std::time::Duration;

use console_support::info;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lag_support::{commit, produce};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use rdkafka::mocking::MockCluster;
use verdict::clock::ManualClock;
use verdict::kafka::LagConfig;
use verdict::ui::app::{App, Event};
use verdict::ui::lag::LagMsg;
use verdict::ui::lag_feed::LagFeed;
use verdict::ui::state::KafkaState;
use verdict::ui::theme::Theme;
use verdict::ui::views;

const START_US: i64 = 1_780_000_000_000_000;
/// Upper bound on waiting for the tailer; a passing run takes well under a second.
const DEADLINE: Duration = Duration::from_secs(30);

fn feed(brokers: &str, group: &str, clock: &ManualClock) -> LagFeed {
    let mut config = LagConfig::for_brokers(brokers);
    config.groups = vec![group.to_owned()];
    config.list_groups = false;
    config.refresh_interval = Duration::from_millis(200);
    config.request_timeout = Duration::from_secs(2);
    LagFeed::spawn(config, Arc::new(clock.clone()))
}

/// Feeds the App every tailer message until `done` holds for it.
async fn feed_until(feed: &mut LagFeed, app: &mut App, done: impl Fn(&App) -> bool) {
    let waited = tokio::time::timeout(DEADLINE, async {
        while !done(app) {
            let msg = feed.next().await;
            if let LagMsg::Stopped { error } = &msg {
                panic!("tailer stopped: {error}");
            }
            app.handle(Event::Lag(msg));
        }
    })
    .await;
    assert!(waited.is_ok(), "no such snapshot within {DEADLINE:?}");
}

fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("test terminal");
    terminal
        .draw(|frame| views::draw(frame, app, &Theme::default()))
        .expect("draw");
    terminal.backend().to_string()
}

fn press(app: &mut App, code: KeyCode) {
    app.handle(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

#[tokio::test]
async fn the_app_shows_the_lag_of_a_configured_group_then_goes_stale_when_the_broker_dies() {
    let cluster = MockCluster::new(1).expect("mock cluster");
    let brokers = cluster.bootstrap_servers();
    cluster.create_topic("claims", 2, 1).expect("topic");
    produce(&brokers, "claims", 0, 120).await;
    produce(&brokers, "claims", 1, 30).await;
    commit(
        &brokers,
        "claims-agents",
        &[("claims", 0, 100), ("claims", 1, 30)],
    );

    let clock = ManualClock::new(START_US);
    let mut feed = feed(&brokers, "claims-agents", &clock);
    let mut app = App::new(info(), START_US, (100, 30));
    feed_until(&mut feed, &mut app, |app| app.lag.is_loaded()).await;

    assert_eq!(
        app.kafka,
        KafkaState::Connected {
            last_ok_us: START_US
        }
    );
    let group = app
        .lag
        .snapshot()
        .group("claims-agents")
        .expect("configured group");
    let lags: Vec<_> = group
        .partitions
        .iter()
        .map(|p| (p.partition, p.lag))
        .collect();
    assert_eq!(lags, vec![(0, 20), (1, 0)]);
    assert_eq!(app.history.lag.latest(1), vec![20]);
    assert_eq!(
        app.lag.history.get("claims-agents").map(|r| r.latest(1)),
        Some(vec![20])
    );

    // Key 3 and Enter show it: the group row, then its partitions.
    press(&mut app, KeyCode::Char('3'));
    let text = screen(&app);
    assert!(text.contains("claims-agents"), "{text}");
    press(&mut app, KeyCode::Enter);
    let text = screen(&app);
    assert!(
        text.contains("committed 100  log start 0  high watermark 120"),
        "{text}"
    );

    // More records: the lag the App holds moves with the next refreshes.
    produce(&brokers, "claims", 1, 7).await;
    feed_until(&mut feed, &mut app, |app| {
        app.history.lag.latest(1) == vec![27]
    })
    .await;

    // The broker dies: the rows stay, the source says unreachable, nothing blocks.
    cluster.broker_down(1).expect("broker down");
    clock.advance(9_000_000);
    feed_until(&mut feed, &mut app, |app| {
        matches!(app.kafka, KafkaState::Unreachable { .. })
    })
    .await;
    let group = app
        .lag
        .snapshot()
        .group("claims-agents")
        .expect("rows kept");
    assert!(group.is_stale());
    assert_eq!(group.total_lag, 27);
    let text = screen(&app);
    assert!(text.contains("UNREACHABLE"), "{text}");

    feed.shutdown(Duration::from_secs(1)).await;
}
