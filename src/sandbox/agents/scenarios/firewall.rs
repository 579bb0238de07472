//! The source article's 2 AM story: a NetworkPolicy change makes the app's new
//! database connections hang, requests hold pool slots while they wait, and the
//! connection pool runs dry. The evidence moves the agent from "the database"
//! to "the network".

use crate::domain::{ActionKind, Risk};
use crate::sandbox::agents::script::{ActionSpec, Break, Plan, Scenario, Stage, Step};

/// The scenario.
pub static SCENARIO: Scenario = Scenario {
    key: "firewall",
    title: "2 AM: payments-api times out, connection pool exhausted, after a NetworkPolicy change",
    home_namespace: "payments",
    trigger: "PaymentsAPIHighLatency: p99 > 5s for 10m",
    severity: "critical",
    investigate: INVESTIGATE,
    plan: &REVERT_POLICY,
    cause: "NetworkPolicy change NET-4471 at 01:29 removed egress from payments-api to pgbouncer:6432; new connections hang until the 30 s connect timeout, requests hold HikariCP slots while they wait, and the pool (50) is exhausted. The database itself is idle",
    stage: STAGE,
};

const INVESTIGATE: &[Step] = &[
    Step::Thought(
        "02:07, PaymentsAPIHighLatency in {ns}. Three suspects at this hour: the application, the database, the network. Starting where the alert is: the application.",
    ),
    Step::Tool {
        tool: "prometheus_query",
        input: r#"{"query":"histogram_quantile(0.99, sum by (le) (rate(http_server_requests_seconds_bucket{namespace=\"{ns}\",service=\"payments-api\"}[5m])))","range":"1h"}"#,
        output: "01:10 0.18s | 01:30 0.21s | 01:40 4.9s | 01:50 30.0s | 02:05 30.0s",
        failed: false,
    },
    Step::Tool {
        tool: "kubectl_logs",
        input: r#"{"namespace":"{ns}","selector":"app=payments-api","tail":4}"#,
        output: "02:06:51.204 WARN  HikariPool-1 - Connection is not available, request timed out after 30000ms (total=50, active=50, idle=0, waiting=212)\n02:06:51.377 ERROR o.h.e.j.s.SqlExceptionHelper - HikariPool-1 - Connection is not available, request timed out after 30000ms\n02:06:52.013 WARN  HikariPool-1 - Failed to validate connection (Connection attempt timed out.)",
        failed: false,
    },
    Step::Hypothesis(
        "The database is slow or overloaded: queries hold connections longer and the pool of 50 runs dry",
        0.6,
    ),
    Step::Tool {
        tool: "psql_query",
        input: r#"{"namespace":"{ns}","pod":"payments-db-0","sql":"SELECT state, count(*) FROM pg_stat_activity WHERE datname = 'payments' GROUP BY state"}"#,
        output: " state  | count\n--------+-------\n active |     3\n idle   |    41\n(2 rows)",
        failed: false,
    },
    Step::Tool {
        tool: "prometheus_query",
        input: r#"{"query":"rate(container_cpu_usage_seconds_total{namespace=\"{ns}\",pod=\"payments-db-0\"}[5m])"}"#,
        output: "0.09 cores (limit 4)",
        failed: false,
    },
    Step::Thought(
        "The database is nearly idle: 3 active sessions, 9% CPU. An overloaded database would show sessions piling up. The pool is exhausted on the application side while the database waits for work, so the connections are stuck between the two.",
    ),
    Step::Hypothesis("Database overload", 0.15),
    Step::Hypothesis(
        "Connections from payments-api to the database path (pgbouncer) are dropped or black-holed",
        0.55,
    ),
    Step::Tool {
        tool: "kubectl_exec",
        input: r#"{"namespace":"{ns}","pod":"payments-api-7b9f6c5d8-m2k4t","command":["nc","-vz","-w","3","pgbouncer.{ns}.svc","6432"]}"#,
        output: "nc: connect to pgbouncer.{ns}.svc port 6432 (tcp) timed out: Operation in progress",
        failed: true,
    },
    Step::Tool {
        tool: "kubectl_exec",
        input: r#"{"namespace":"{ns}","pod":"payments-api-7b9f6c5d8-m2k4t","command":["nc","-vz","-w","3","payments-db.{ns}.svc","5432"]}"#,
        output: "Connection to payments-db.{ns}.svc (10.43.18.7) 5432 port [tcp/postgresql] succeeded!",
        failed: false,
    },
    Step::Thought(
        "Postgres on 5432 answers; pgbouncer on 6432 times out. A timeout, not a refusal: packets are dropped, which is what a NetworkPolicy does. pgbouncer itself is healthy (its own readiness probe passes).",
    ),
    Step::Plain(
        "W1127 02:11:52.402117       1 warnings.go:70] the list of NetworkPolicies was truncated to the namespace; cluster-wide policies (Calico GlobalNetworkPolicy) not checked",
    ),
    Step::Tool {
        tool: "kubectl_get",
        input: r#"{"resource":"networkpolicies","namespace":"{ns}"}"#,
        output: "NAME                  POD-SELECTOR           AGE\ndefault-deny          <none>                 212d\nallow-dns             <none>                 212d\npayments-api-egress   app=payments-api       38m",
        failed: false,
    },
    Step::Tool {
        tool: "audit_log_search",
        input: r#"{"namespace":"{ns}","resource":"networkpolicies","name":"payments-api-egress","since":"2h"}"#,
        output: "01:29:13Z ci-netops@corp update networkpolicies/payments-api-egress (annotation change-id=NET-4471 \"tighten egress to the database tier\") generation 6 -> 7",
        failed: false,
    },
    Step::Tool {
        tool: "kubectl_get",
        input: r#"{"resource":"networkpolicy","namespace":"{ns}","name":"payments-api-egress","output":"yaml"}"#,
        output: "spec:\n  podSelector:\n    matchLabels:\n      app: payments-api\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - podSelector:\n        matchLabels:\n          app.kubernetes.io/name: payments-db\n    ports:\n    - protocol: TCP\n      port: 5432",
        failed: false,
    },
    Step::Hypothesis(
        "NET-4471 at 01:29 narrowed payments-api egress to payments-db:5432 and dropped pgbouncer:6432. Each new connection waits out the 30 s connect timeout while requests hold pool slots",
        0.86,
    ),
    Step::Tool {
        tool: "prometheus_query",
        input: r#"{"query":"sum(pgbouncer_pools_client_active_connections{database=\"payments\"})","range":"1h"}"#,
        output: "01:10 48 | 01:28 50 | 01:31 31 | 01:40 9 | 01:50 0",
        failed: false,
    },
    Step::Thought(
        "The timeline fits: existing pgbouncer connections survived the policy change and drained as HikariCP recycled them (maxLifetime 30 min); latency climbed from 01:31 as replacements hung. Reverting NET-4471 restores the path. It also reopens egress 443 to 0.0.0.0/0 that NET-4471 removed, so a reviewer should weigh that.",
    ),
    Step::Hypothesis(
        "Root cause: NET-4471 removed payments-api -> pgbouncer:6432 egress",
        0.94,
    ),
];

static REVERT_POLICY: Plan = Plan {
    summary: "Revert NetworkPolicy payments-api-egress to generation 6 (before NET-4471)",
    rationale: "Since NET-4471 (01:29) payments-api cannot reach pgbouncer:6432: connects time out at 30 s, HikariCP's 50 slots are held by waiting requests, p99 is 30 s. The database is idle. Generation 6 ran for 212 days. Reverting also restores egress 443 to 0.0.0.0/0.",
    risk: Risk::High,
    reversible: true,
    action: ActionSpec::new(ActionKind::Patch, "networking.k8s.io/v1", "NetworkPolicy", "payments-api-egress").with_patch(
        "json",
        r#"[{"op":"add","path":"/spec/egress/-","value":{"to":[{"podSelector":{"matchLabels":{"app.kubernetes.io/name":"pgbouncer"}}}],"ports":[{"protocol":"TCP","port":6432}]}},{"op":"add","path":"/spec/egress/-","value":{"to":[{"ipBlock":{"cidr":"0.0.0.0/0"}}],"ports":[{"protocol":"TCP","port":443}]}}]"#,
    ),
    rollback: Some(
        ActionSpec::new(ActionKind::Patch, "networking.k8s.io/v1", "NetworkPolicy", "payments-api-egress").with_patch(
            "json",
            r#"[{"op":"remove","path":"/spec/egress/2"},{"op":"remove","path":"/spec/egress/1"}]"#,
        ),
    ),
    diff: "--- a/networking.k8s.io/v1/NetworkPolicy/{ns}/payments-api-egress (generation 7, NET-4471)\n+++ b/networking.k8s.io/v1/NetworkPolicy/{ns}/payments-api-egress (generation 6)\n@@ -9,7 +9,19 @@ spec:\n   - to:\n     - podSelector:\n         matchLabels:\n           app.kubernetes.io/name: payments-db\n     ports:\n     - protocol: TCP\n       port: 5432\n+  - to:\n+    - podSelector:\n+        matchLabels:\n+          app.kubernetes.io/name: pgbouncer\n+    ports:\n+    - protocol: TCP\n+      port: 6432\n+  - to:\n+    - ipBlock:\n+        cidr: 0.0.0.0/0\n+    ports:\n+    - protocol: TCP\n+      port: 443\n",
    dry_run: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: payments-api-egress\n  namespace: {ns}\n  generation: 8\nspec:\n  podSelector:\n    matchLabels:\n      app: payments-api\n  policyTypes:\n  - Egress\n  egress:\n  - to:\n    - podSelector:\n        matchLabels:\n          app.kubernetes.io/name: payments-db\n    ports:\n    - port: 5432\n      protocol: TCP\n  - to:\n    - podSelector:\n        matchLabels:\n          app.kubernetes.io/name: pgbouncer\n    ports:\n    - port: 6432\n      protocol: TCP\n  - to:\n    - ipBlock:\n        cidr: 0.0.0.0/0\n    ports:\n    - port: 443\n      protocol: TCP\n",
    verify: VERIFY,
    then: None,
    revision: Some(&ALLOW_PGBOUNCER),
};

const VERIFY: &[Step] = &[
    Step::Tool {
        tool: "kubectl_exec",
        input: r#"{"namespace":"{ns}","pod":"payments-api-7b9f6c5d8-m2k4t","command":["nc","-vz","-w","3","pgbouncer.{ns}.svc","6432"]}"#,
        output: "Connection to pgbouncer.{ns}.svc (10.43.22.140) 6432 port [tcp/*] succeeded!",
        failed: false,
    },
    Step::Tool {
        tool: "prometheus_query",
        input: r#"{"query":"hikaricp_connections_pending{namespace=\"{ns}\",pool=\"HikariPool-1\"}"}"#,
        output: "212 (02:14) -> 40 (02:15) -> 0 (02:16); p99 latency 0.24s",
        failed: false,
    },
];

static ALLOW_PGBOUNCER: Plan = Plan {
    summary: "Add back only payments-api -> pgbouncer:6432 egress (keep the rest of NET-4471)",
    rationale: "The full revert was refused. This adds the one rule whose loss causes the outage and keeps NET-4471's removal of internet egress.",
    risk: Risk::Medium,
    reversible: true,
    action: ActionSpec::new(ActionKind::Patch, "networking.k8s.io/v1", "NetworkPolicy", "payments-api-egress").with_patch(
        "json",
        r#"[{"op":"add","path":"/spec/egress/-","value":{"to":[{"podSelector":{"matchLabels":{"app.kubernetes.io/name":"pgbouncer"}}}],"ports":[{"protocol":"TCP","port":6432}]}}]"#,
    ),
    rollback: Some(
        ActionSpec::new(ActionKind::Patch, "networking.k8s.io/v1", "NetworkPolicy", "payments-api-egress")
            .with_patch("json", r#"[{"op":"remove","path":"/spec/egress/1"}]"#),
    ),
    diff: "--- a/networking.k8s.io/v1/NetworkPolicy/{ns}/payments-api-egress (generation 7)\n+++ b/networking.k8s.io/v1/NetworkPolicy/{ns}/payments-api-egress (proposed)\n@@ -15,3 +15,10 @@ spec:\n     ports:\n     - protocol: TCP\n       port: 5432\n+  - to:\n+    - podSelector:\n+        matchLabels:\n+          app.kubernetes.io/name: pgbouncer\n+    ports:\n+    - protocol: TCP\n+      port: 6432\n",
    dry_run: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: payments-api-egress\n  namespace: {ns}\n  generation: 8\nspec:\n  egress:\n  - ports:\n    - port: 5432\n      protocol: TCP\n  - ports:\n    - port: 6432\n      protocol: TCP\n",
    verify: VERIFY,
    then: None,
    revision: None,
};

/// payments-api and pgbouncer behind default-deny, and NET-4471: the change
/// that narrowed payments-api's egress to the database alone.
const STAGE: Stage = Stage {
    objects: r#"
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata:
    name: default-deny
    namespace: "{ns}"
  spec:
    podSelector: {}
    policyTypes: [Ingress, Egress]
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata:
    name: allow-dns
    namespace: "{ns}"
  spec:
    podSelector: {}
    policyTypes: [Egress]
    egress:
    - to:
      - namespaceSelector:
          matchLabels: {kubernetes.io/metadata.name: kube-system}
        podSelector:
          matchLabels: {k8s-app: kube-dns}
      ports:
      - {protocol: UDP, port: 53}
      - {protocol: TCP, port: 53}
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata:
    name: payments-api-egress
    namespace: "{ns}"
    annotations: {change-id: NET-4102}
  spec:
    podSelector:
      matchLabels: {app: payments-api}
    policyTypes: [Egress]
    egress:
    - to:
      - podSelector:
          matchLabels: {app.kubernetes.io/name: payments-db}
      ports:
      - {protocol: TCP, port: 5432}
    - to:
      - podSelector:
          matchLabels: {app.kubernetes.io/name: pgbouncer}
      ports:
      - {protocol: TCP, port: 6432}
    - to:
      - ipBlock: {cidr: 0.0.0.0/0}
      ports:
      - {protocol: TCP, port: 443}
- apiVersion: v1
  kind: Service
  metadata:
    name: payments-api
    namespace: "{ns}"
    labels: {app: payments-api}
  spec:
    selector: {app: payments-api}
    ports:
    - {name: http, port: 8080, targetPort: 8080, protocol: TCP}
- apiVersion: v1
  kind: Service
  metadata:
    name: pgbouncer
    namespace: "{ns}"
  spec:
    selector: {app.kubernetes.io/name: pgbouncer}
    ports:
    - {name: pgbouncer, port: 6432, targetPort: 6432, protocol: TCP}
- apiVersion: v1
  kind: Service
  metadata:
    name: payments-db
    namespace: "{ns}"
  spec:
    selector: {app.kubernetes.io/name: payments-db}
    ports:
    - {name: postgres, port: 5432, targetPort: 5432, protocol: TCP}
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: payments-api
    namespace: "{ns}"
    labels: {app: payments-api}
  spec:
    replicas: 3
    selector:
      matchLabels: {app: payments-api}
    template:
      metadata:
        labels: {app: payments-api}
      spec:
        containers:
        - name: payments-api
          image: registry.example.com/payments/payments-api:4.12.1
          ports:
          - {containerPort: 8080, protocol: TCP}
          env:
          - {name: DB_URL, value: "jdbc:postgresql://pgbouncer.{ns}.svc:6432/payments"}
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: pgbouncer
    namespace: "{ns}"
    labels: {app.kubernetes.io/name: pgbouncer}
  spec:
    replicas: 2
    selector:
      matchLabels: {app.kubernetes.io/name: pgbouncer}
    template:
      metadata:
        labels: {app.kubernetes.io/name: pgbouncer}
      spec:
        containers:
        - name: pgbouncer
          image: docker.io/bitnami/pgbouncer:1.22.1
          ports:
          - {containerPort: 6432, protocol: TCP}
"#,
    breaks: &[Break {
        api_version: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        name: "payments-api-egress",
        patch: r#"[{"op":"replace","path":"/spec/egress","value":[{"to":[{"podSelector":{"matchLabels":{"app.kubernetes.io/name":"payments-db"}}}],"ports":[{"protocol":"TCP","port":5432}]}]},{"op":"add","path":"/metadata/annotations/change-id","value":"NET-4471"}]"#,
    }],
};
