//! OOMKilled under grown traffic: raise the memory limit (or, after a veto, scale out).

use crate::domain::{ActionKind, Risk};
use crate::sandbox::agents::script::{ActionSpec, Break, Plan, Scenario, Stage, Step};

/// The scenario.
pub static SCENARIO: Scenario = Scenario {
    key: "oomkilled",
    title: "cart-service is OOMKilled as traffic grows",
    home_namespace: "checkout",
    trigger: "KubeContainerOOMKilled: cart-service",
    severity: "warning",
    investigate: INVESTIGATE,
    plan: &RAISE_LIMIT,
    cause: "cart-service's working set grows with in-flight carts; traffic doubled with the promotion at 00:00 and the 256Mi limit is now below the peak (about 300Mi), so the kernel OOM-kills the container. No leak: memory returns to baseline after each GC",
    stage: STAGE,
};

const INVESTIGATE: &[Step] = &[
    Step::Thought(
        "KubeContainerOOMKilled for cart-service in {ns}. Checking how often and how close to the limit it runs.",
    ),
    Step::Tool {
        tool: "kubectl_get",
        input: r#"{"resource":"pods","namespace":"{ns}","selector":"app=cart-service"}"#,
        output: "NAME                            READY   STATUS    RESTARTS        AGE\ncart-service-5f7d9c8b6-8jv2k    1/1     Running   4 (6m ago)      3h\ncart-service-5f7d9c8b6-hq4mt    1/1     Running   3 (11m ago)     3h\ncart-service-5f7d9c8b6-p9x7w    1/1     Running   5 (2m ago)      3h\ncart-service-5f7d9c8b6-zc6rd    1/1     Running   2 (24m ago)     3h",
        failed: false,
    },
    Step::Tool {
        tool: "kubectl_describe",
        input: r#"{"resource":"pod","namespace":"{ns}","name":"cart-service-5f7d9c8b6-p9x7w"}"#,
        output: "    Last State:     Terminated\n      Reason:       OOMKilled\n      Exit Code:    137\n    Limits:\n      cpu:     1\n      memory:  256Mi\n    Requests:\n      cpu:     250m\n      memory:  192Mi",
        failed: false,
    },
    Step::Hypothesis("A memory leak introduced by a recent release", 0.4),
    Step::Tool {
        tool: "prometheus_query",
        input: r#"{"query":"max by (pod) (container_memory_working_set_bytes{namespace=\"{ns}\",container=\"cart-service\"})","range":"6h","step":"5m"}"#,
        output: "cart-service-5f7d9c8b6-p9x7w: 148Mi (20:00) -> 171Mi (23:00) -> 252Mi (00:40) -> 255Mi (01:55, killed)\nsawtooth: drops to ~150Mi after each full GC",
        failed: false,
    },
    Step::Tool {
        tool: "pprof_heap",
        input: r#"{"namespace":"{ns}","pod":"cart-service-5f7d9c8b6-p9x7w","port":6060}"#,
        output: "dial tcp 10.42.3.17:6060: connect: connection refused (debug port not enabled in production)",
        failed: true,
    },
    Step::Thought(
        "No heap profile. The sawtooth back to ~150Mi after each GC argues against a leak: a leak would raise the floor, not just the peaks.",
    ),
    Step::Tool {
        tool: "prometheus_query",
        input: r#"{"query":"sum(rate(http_requests_total{namespace=\"{ns}\",service=\"cart-service\"}[5m]))","range":"6h"}"#,
        output: "412 req/s (20:00) -> 433 req/s (23:00) -> 901 req/s (00:10) -> 948 req/s (01:55)",
        failed: false,
    },
    Step::Tool {
        tool: "kubectl_rollout_history",
        input: r#"{"namespace":"{ns}","deployment":"cart-service"}"#,
        output: "REVISION  CHANGE-CAUSE\n21        cart-service:5.2.0 (9 days ago)",
        failed: false,
    },
    Step::Hypothesis(
        "No leak: traffic doubled at 00:00 (promotion) and peak working set follows in-flight carts to ~300Mi, above the 256Mi limit",
        0.78,
    ),
    Step::Thought(
        "The node has room: 11.2Gi allocatable memory free on the checkout pool. Raising the limit to 384Mi gives ~25% headroom over the observed peak.",
    ),
];

static RAISE_LIMIT: Plan = Plan {
    summary: "Raise cart-service memory limit 256Mi -> 384Mi (request 192Mi -> 256Mi)",
    rationale: "Four OOMKills in 30 minutes, all at the 256Mi limit. Working set returns to ~150Mi after GC (not a leak); peaks follow traffic, which doubled at 00:00. 384Mi leaves 25% headroom over the ~300Mi peak; the node pool has 11Gi free.",
    risk: Risk::Medium,
    reversible: true,
    action: ActionSpec::new(ActionKind::Patch, "apps/v1", "Deployment", "cart-service").with_patch(
        "strategic",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"cart-service","resources":{"limits":{"memory":"384Mi"},"requests":{"memory":"256Mi"}}}]}}}}"#,
    ),
    rollback: Some(
        ActionSpec::new(ActionKind::Patch, "apps/v1", "Deployment", "cart-service").with_patch(
            "strategic",
            r#"{"spec":{"template":{"spec":{"containers":[{"name":"cart-service","resources":{"limits":{"memory":"256Mi"},"requests":{"memory":"192Mi"}}}]}}}}"#,
        ),
    ),
    diff: "--- a/apps/v1/Deployment/{ns}/cart-service\n+++ b/apps/v1/Deployment/{ns}/cart-service\n@@ -31,10 +31,10 @@ spec:\n         resources:\n           limits:\n             cpu: \"1\"\n-            memory: 256Mi\n+            memory: 384Mi\n           requests:\n             cpu: 250m\n-            memory: 192Mi\n+            memory: 256Mi\n",
    dry_run: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cart-service\n  namespace: {ns}\n  generation: 22\nspec:\n  template:\n    spec:\n      containers:\n      - name: cart-service\n        image: registry.example.com/checkout/cart-service:5.2.0\n        resources:\n          limits:\n            cpu: \"1\"\n            memory: 384Mi\n          requests:\n            cpu: 250m\n            memory: 256Mi\n",
    verify: &[
        Step::Tool {
            tool: "kubectl_rollout_status",
            input: r#"{"namespace":"{ns}","deployment":"cart-service","timeout":"5m"}"#,
            output: "deployment \"cart-service\" successfully rolled out",
            failed: false,
        },
        Step::Tool {
            tool: "prometheus_query",
            input: r#"{"query":"increase(kube_pod_container_status_restarts_total{namespace=\"{ns}\",container=\"cart-service\"}[10m])"}"#,
            output: "0 restarts in the last 10m; peak working set 297Mi of 384Mi",
            failed: false,
        },
    ],
    then: None,
    revision: Some(&SCALE_OUT),
};

static SCALE_OUT: Plan = Plan {
    summary: "Scale cart-service from 4 to 6 replicas instead (no limit change)",
    rationale: "The limit change was refused. Spreading the doubled traffic over 6 pods brings the per-pod peak back to ~200Mi, under the current 256Mi limit.",
    risk: Risk::Low,
    reversible: true,
    action: ActionSpec {
        replicas: Some(6),
        ..ActionSpec::new(ActionKind::Scale, "apps/v1", "Deployment", "cart-service")
    },
    rollback: Some(ActionSpec {
        replicas: Some(4),
        ..ActionSpec::new(ActionKind::Scale, "apps/v1", "Deployment", "cart-service")
    }),
    diff: "--- a/apps/v1/Deployment/{ns}/cart-service\n+++ b/apps/v1/Deployment/{ns}/cart-service\n@@ -9,3 +9,3 @@ spec:\n-  replicas: 4\n+  replicas: 6\n",
    dry_run: "apiVersion: autoscaling/v1\nkind: Scale\nmetadata:\n  name: cart-service\n  namespace: {ns}\nspec:\n  replicas: 6\n",
    verify: &[Step::Tool {
        tool: "kubectl_get",
        input: r#"{"resource":"deployment","namespace":"{ns}","name":"cart-service"}"#,
        output: "NAME           READY   UP-TO-DATE   AVAILABLE   AGE\ncart-service   6/6     6            6           41d",
        failed: false,
    }],
    then: None,
    revision: None,
};

/// cart-service: four pods sharing a working set of 1200Mi (300Mi each, above
/// the 256Mi limit), so they are OOM-killed now and then. The break puts the
/// limits and replicas back as they were when the alert fired.
const STAGE: Stage = Stage {
    objects: r#"
- apiVersion: v1
  kind: Service
  metadata:
    name: cart-service
    namespace: "{ns}"
    labels: {app: cart-service}
  spec:
    selector: {app: cart-service}
    ports:
    - {name: http, port: 8080, targetPort: 8080, protocol: TCP}
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: cart-service
    namespace: "{ns}"
    labels: {app: cart-service}
  spec:
    replicas: 4
    selector:
      matchLabels: {app: cart-service}
    template:
      metadata:
        labels: {app: cart-service}
        annotations:
          sandbox.kubevigil.io/working-set: 1200Mi
      spec:
        containers:
        - name: cart-service
          image: registry.example.com/checkout/cart-service:5.2.0
          ports:
          - {containerPort: 8080, protocol: TCP}
          resources:
            limits: {cpu: "1", memory: 256Mi}
            requests: {cpu: 250m, memory: 192Mi}
"#,
    breaks: &[Break {
        api_version: "apps/v1",
        kind: "Deployment",
        name: "cart-service",
        patch: r#"[{"op":"replace","path":"/spec/replicas","value":4},{"op":"replace","path":"/spec/template/spec/containers/0/resources","value":{"limits":{"cpu":"1","memory":"256Mi"},"requests":{"cpu":"250m","memory":"192Mi"}}}]"#,
    }],
};
