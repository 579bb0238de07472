//! Highlighting a 2,000-line YAML payload (design bar: first screen under
//! 5 ms, whole under 50 ms, both off the UI path).
//!
//! `first_screen` is the time until the worker could send its first-screen
//! result (the first 60 lines highlighted, the rest plain); `whole` is the
//! time for every line. Run with `cargo bench --bench highlight`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use criterion::{Criterion, criterion_group, criterion_main};
use kubevigil::model::highlight::Syntax;
use kubevigil::ui::highlight::{HighlightEngine, HighlightLimits};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// A realistic multi-document manifest of exactly `lines` lines.
fn manifest(lines: usize) -> String {
    let mut text = String::new();
    let mut n = 0;
    while text.lines().count() < lines {
        text.push_str(&format!(
            r#"---
# Deployment {n}: scaled up by the agent after the OOM kills.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout-{n}
  namespace: shop
  labels:
    app.kubernetes.io/name: checkout
    app.kubernetes.io/part-of: "storefront"
  annotations:
    kubevigil.io/investigation: inv-{n:04}
    deployment.kubernetes.io/revision: "{n}"
spec:
  replicas: 4
  selector:
    matchLabels: {{app: checkout-{n}}}
  template:
    spec:
      containers:
        - name: app
          image: "registry.example.com/checkout:1.{n}.3"
          args: ["--port=8080", "--log-level=info"]
          env:
            - name: JAVA_OPTS
              value: -Xmx768m -XX:+UseG1GC
            - name: FEATURE_FLAGS
              value: 'cart-v2,fast-checkout'
          resources:
            limits: {{cpu: 500m, memory: 1Gi}}
            requests:
              cpu: 250m
              memory: 512Mi
          readinessProbe:
            httpGet: {{path: /healthz, port: 8080}}
            periodSeconds: 10
          command:
            - /bin/sh
            - -c
            - |
              exec java $JAVA_OPTS -jar /app/checkout.jar
"#
        ));
        n += 1;
    }
    text.lines().take(lines).collect::<Vec<_>>().join("\n") + "\n"
}

fn highlight_yaml(c: &mut Criterion) {
    let engine = HighlightEngine::load("base16-ocean.dark");
    let text = manifest(2_000);
    // No time budget: measure the real cost, never a plain fallback.
    let limits = HighlightLimits {
        budget: Duration::MAX,
        ..HighlightLimits::default()
    };
    let check = engine.highlight(&text, Syntax::Yaml, &limits, &mut |_| {});
    assert_eq!(check.len(), 2_000);

    let mut group = c.benchmark_group("highlight_yaml_2000_lines");
    group.bench_function("first_screen", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let started = Instant::now();
                let mut first_screen = None;
                let lines = engine.highlight(&text, Syntax::Yaml, &limits, &mut |lines| {
                    first_screen = Some(started.elapsed());
                    black_box(lines);
                });
                black_box(lines);
                total += first_screen.unwrap_or_else(|| started.elapsed());
            }
            total
        });
    });
    group.bench_function("whole", |b| {
        b.iter(|| {
            black_box(engine.highlight(black_box(&text), Syntax::Yaml, &limits, &mut |_| {}))
        });
    });
    group.finish();

    let mut load = c.benchmark_group("highlight_engine");
    load.sample_size(10);
    load.bench_function("load_and_warm_up", |b| {
        b.iter(|| black_box(HighlightEngine::load("base16-ocean.dark")));
    });
    load.finish();
}

criterion_group!(benches, highlight_yaml);
criterion_main!(benches);
