//! Time to the first rows (issue 17: within 300 ms at 100,000
//! investigations). Runs the console's investigation watcher
//! (`cluster::watch::spawn`, as the console starts it) against a cluster and
//! prints, from the moment it starts: the first page of investigations (the
//! first rows the console can draw), the total, and the end of the list.
//!
//! ```text
//! kubevigil sandbox serve --investigations 100000 --kubeconfig-out /tmp/sb/kubeconfig &
//! first_rows /tmp/sb/kubeconfig oncall-1 [RUNS]
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use kubevigil::cluster::watch::{self, WatchEvent};
use kubevigil::sanitize::Redactor;
use std::sync::Arc;
use std::time::Instant;

async fn once(client: kube::Client) {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<WatchEvent>(1024);
    let started = Instant::now();
    let _watchers = watch::spawn(client, None, 1, tx, Arc::new(Redactor::default()));
    let mut first: Option<(f64, usize, Option<u64>)> = None;
    let mut rows = 0;
    let mut total_at: Option<(f64, u64)> = None;
    while let Some(event) = rx.recv().await {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        match event {
            WatchEvent::InvestigationsPage { records, total, .. } => {
                rows += records.len();
                first.get_or_insert((ms, records.len(), total));
                if let Some(total) = total {
                    total_at.get_or_insert((ms, total));
                }
            }
            WatchEvent::InvestigationsListed { records, .. } => {
                rows += records.len();
                let (first_ms, first_rows, _) = first.unwrap_or((ms, records.len(), None));
                let total = total_at.map_or("total never known".to_string(), |(at, total)| {
                    format!("total {total} known at {at:.1} ms")
                });
                println!(
                    "first rows {first_ms:.1} ms ({first_rows} rows); {total}; whole list {ms:.1} ms ({rows} rows)"
                );
                return;
            }
            _ => {}
        }
    }
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("a kubeconfig");
    let context = args.next().unwrap_or_else(|| "oncall-1".into());
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(3);
    let kubeconfig = kube::config::Kubeconfig::read_from(&path).expect("a kubeconfig");
    let options = kube::config::KubeConfigOptions {
        context: Some(context),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .expect("a config");
    for _ in 0..runs {
        let client = kube::Client::try_from(config.clone()).expect("a client");
        once(client).await;
    }
}
