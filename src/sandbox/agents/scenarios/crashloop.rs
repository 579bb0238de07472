//! CrashLoopBackOff after a bad ConfigMap edit: patch the value, then restart the rollout.

use crate::domain::{ActionKind, Risk};
use crate::sandbox::agents::script::{ActionSpec, Break, Plan, Scenario, Stage, Step};

/// The scenario.
pub static SCENARIO: Scenario = Scenario {
    key: "crashloop",
    title: "ingest-api crash-loops after a ConfigMap edit",
    home_namespace: "data",
    trigger: "KubePodCrashLooping: ingest-api",
    severity: "warning",
    investigate: INVESTIGATE,
    plan: &FIX_CONFIG,
    cause: "the ConfigMap ingest-api-config was edited 23 minutes before the alert and set FLUSH_INTERVAL to \"30\" (no unit); the service refuses to start on an invalid duration",
    stage: STAGE,
};

const INVESTIGATE: &[Step] = &[
    Step::Thought(
        "Alert KubePodCrashLooping for ingest-api in {ns}. Starting with the pods and their restart counts.",
    ),
    Step::Tool {
        tool: "kubectl_get",
        input: r#"{"resource":"pods","namespace":"{ns}","selector":"app=ingest-api"}"#,
        output: "NAME                          READY   STATUS             RESTARTS       AGE\ningest-api-6b8f9d7c5-4kq2m    0/1     CrashLoopBackOff   7 (2m11s ago)   14m\ningest-api-6b8f9d7c5-9wzt8    0/1     CrashLoopBackOff   7 (1m58s ago)   14m\ningest-api-6b8f9d7c5-rx7lp    0/1     CrashLoopBackOff   6 (3m40s ago)   14m",
        failed: false,
    },
    Step::Tool {
        tool: "kubectl_describe",
        input: r#"{"resource":"pod","namespace":"{ns}","name":"ingest-api-6b8f9d7c5-4kq2m"}"#,
        output: "    State:          Waiting\n      Reason:       CrashLoopBackOff\n    Last State:     Terminated\n      Reason:       Error\n      Exit Code:    1\n      Started:      Thu, 27 Nov 2026 02:04:51 +0000\n      Finished:     Thu, 27 Nov 2026 02:04:52 +0000\n    Restart Count:  7\nEvents:\n  Warning  BackOff  2m (x31 over 9m)  kubelet  Back-off restarting failed container ingest-api",
        failed: false,
    },
    Step::Hypothesis(
        "The latest rollout shipped a bad image that exits at start-up",
        0.35,
    ),
    Step::Tool {
        tool: "kubectl_logs",
        input: r#"{"namespace":"{ns}","pod":"ingest-api-6b8f9d7c5-4kq2m","previous":true,"tail":20}"#,
        output: "time=2026-11-27T02:04:51Z level=info msg=\"starting ingest-api\" version=3.8.2\ntime=2026-11-27T02:04:52Z level=fatal msg=\"loading config\" error=\"FLUSH_INTERVAL: time: missing unit in duration \\\"30\\\"\"",
        failed: false,
    },
    Step::Hypothesis(
        "FLUSH_INTERVAL holds \"30\" without a unit; the service exits while parsing its config",
        0.7,
    ),
    Step::Tool {
        tool: "kubectl_rollout_history",
        input: r#"{"namespace":"{ns}","deployment":"ingest-api"}"#,
        output: "REVISION  CHANGE-CAUSE\n13        image ingest-api:3.8.2 (3 days ago)\n14        config checksum changed (24 minutes ago)",
        failed: false,
    },
    Step::Plain(
        "I1127 02:07:41.118233       1 request.go:697] Waited for 1.1s due to client-side throttling, not priority and fairness, request: GET:https://10.96.0.1:443/api/v1/namespaces/{ns}/events",
    ),
    Step::Tool {
        tool: "kubectl_get",
        input: r#"{"resource":"configmap","namespace":"{ns}","name":"ingest-api-config","output":"yaml","showManagedFields":true}"#,
        output: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingest-api-config\n  namespace: {ns}\n  managedFields:\n  - manager: ci-deployer\n    operation: Apply\n    time: \"2026-11-27T01:43:02Z\"\ndata:\n  BATCH_SIZE: \"500\"\n  FLUSH_INTERVAL: \"30\"\n  KAFKA_BROKERS: kafka-0.kafka:9092,kafka-1.kafka:9092\n  LOG_LEVEL: info",
        failed: false,
    },
    Step::Hypothesis(
        "The ConfigMap edit at 01:43 by ci-deployer changed FLUSH_INTERVAL from \"30s\" to \"30\"; the image is unchanged",
        0.92,
    ),
    Step::Thought(
        "Restoring \"30s\" (the value before 01:43) fixes start-up. The pods are in a 5-minute back-off, so a rollout restart afterwards gets them up now instead of one by one.",
    ),
];

static FIX_CONFIG: Plan = Plan {
    summary: "Set FLUSH_INTERVAL back to \"30s\" in ConfigMap ingest-api-config",
    rationale: "Every ingest-api pod exits with `time: missing unit in duration \"30\"` since ci-deployer changed the ConfigMap at 01:43. The image is unchanged for 3 days. \"30s\" is the value before the change.",
    risk: Risk::Low,
    reversible: true,
    action: ActionSpec::new(ActionKind::Patch, "v1", "ConfigMap", "ingest-api-config")
        .with_patch("merge", r#"{"data":{"FLUSH_INTERVAL":"30s"}}"#),
    rollback: Some(
        ActionSpec::new(ActionKind::Patch, "v1", "ConfigMap", "ingest-api-config")
            .with_patch("merge", r#"{"data":{"FLUSH_INTERVAL":"30"}}"#),
    ),
    diff: "--- a/v1/ConfigMap/{ns}/ingest-api-config\n+++ b/v1/ConfigMap/{ns}/ingest-api-config\n@@ -6,7 +6,7 @@\n data:\n   BATCH_SIZE: \"500\"\n-  FLUSH_INTERVAL: \"30\"\n+  FLUSH_INTERVAL: \"30s\"\n   KAFKA_BROKERS: kafka-0.kafka:9092,kafka-1.kafka:9092\n   LOG_LEVEL: info\n",
    dry_run: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingest-api-config\n  namespace: {ns}\n  resourceVersion: \"884120\"\ndata:\n  BATCH_SIZE: \"500\"\n  FLUSH_INTERVAL: 30s\n  KAFKA_BROKERS: kafka-0.kafka:9092,kafka-1.kafka:9092\n  LOG_LEVEL: info\n",
    verify: &[Step::Tool {
        tool: "kubectl_get",
        input: r#"{"resource":"configmap","namespace":"{ns}","name":"ingest-api-config","jsonpath":"{.data.FLUSH_INTERVAL}"}"#,
        output: "30s",
        failed: false,
    }],
    then: Some(&RESTART),
    revision: None,
};

static RESTART: Plan = Plan {
    summary: "Rollout-restart Deployment ingest-api to skip the crash back-off",
    rationale: "The pods read the config at start; they are in CrashLoopBackOff with up to 5 minutes between attempts. A rollout restart starts fresh pods now, one at a time (maxUnavailable 0).",
    risk: Risk::Low,
    reversible: true,
    action: ActionSpec::new(
        ActionKind::RolloutRestart,
        "apps/v1",
        "Deployment",
        "ingest-api",
    ),
    rollback: None,
    diff: "--- a/apps/v1/Deployment/{ns}/ingest-api\n+++ b/apps/v1/Deployment/{ns}/ingest-api\n@@ -18,6 +18,8 @@ spec:\n   template:\n     metadata:\n+      annotations:\n+        kubectl.kubernetes.io/restartedAt: \"2026-11-27T02:09:12Z\"\n       labels:\n         app: ingest-api\n",
    dry_run: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ingest-api\n  namespace: {ns}\n  generation: 15\nspec:\n  replicas: 3\n  strategy:\n    rollingUpdate:\n      maxSurge: 1\n      maxUnavailable: 0\n",
    verify: &[Step::Tool {
        tool: "kubectl_get",
        input: r#"{"resource":"pods","namespace":"{ns}","selector":"app=ingest-api"}"#,
        output: "NAME                          READY   STATUS    RESTARTS   AGE\ningest-api-7c4d8b9f6-2hx8v    1/1     Running   0          48s\ningest-api-7c4d8b9f6-kd9q2    1/1     Running   0          31s\ningest-api-7c4d8b9f6-tz5wn    1/1     Running   0          14s",
        failed: false,
    }],
    then: None,
    revision: None,
};

/// ingest-api reading its settings from ingest-api-config, and the edit that
/// left FLUSH_INTERVAL without a unit (the program reads its ConfigMap at
/// start and on change, and exits on a bad duration: every pod crash-loops).
const STAGE: Stage = Stage {
    objects: r#"
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: ingest-api-config
    namespace: "{ns}"
    labels: {app: ingest-api}
  data:
    BATCH_SIZE: "500"
    FLUSH_INTERVAL: "30s"
    KAFKA_BROKERS: kafka-0.kafka:9092,kafka-1.kafka:9092
    LOG_LEVEL: info
- apiVersion: v1
  kind: Service
  metadata:
    name: ingest-api
    namespace: "{ns}"
    labels: {app: ingest-api}
  spec:
    selector: {app: ingest-api}
    ports:
    - {name: http, port: 8080, targetPort: 8080, protocol: TCP}
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: ingest-api
    namespace: "{ns}"
    labels: {app: ingest-api}
  spec:
    replicas: 3
    selector:
      matchLabels: {app: ingest-api}
    strategy:
      type: RollingUpdate
      rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
    template:
      metadata:
        labels: {app: ingest-api}
        annotations:
          sandbox.kubevigil.io/duration-keys: FLUSH_INTERVAL
      spec:
        containers:
        - name: ingest-api
          image: registry.example.com/data/ingest-api:3.8.2
          envFrom:
          - configMapRef: {name: ingest-api-config}
          ports:
          - {containerPort: 8080, protocol: TCP}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
"#,
    breaks: &[Break {
        api_version: "v1",
        kind: "ConfigMap",
        name: "ingest-api-config",
        patch: r#"[{"op":"replace","path":"/data/FLUSH_INTERVAL","value":"30"}]"#,
    }],
};
