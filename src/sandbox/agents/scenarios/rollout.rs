//! A failed rollout: roll back to the previous ReplicaSet (or, after a veto, pause it).

use crate::domain::{ActionKind, Risk};
use crate::sandbox::agents::script::{ActionSpec, Break, Plan, Scenario, Stage, Step};

/// The scenario.
pub static SCENARIO: Scenario = Scenario {
    key: "rollout",
    title: "storefront 2.14.0 rollout stalls with failing readiness",
    home_namespace: "web",
    trigger: "KubeDeploymentRolloutStuck: storefront",
    severity: "critical",
    investigate: INVESTIGATE,
    plan: &ROLL_BACK,
    cause: "storefront 2.14.0 expects the new feature-flag service (FLAGS_URL), which is not deployed in this cluster; its readiness probe fails, the rollout exceeded its progress deadline, and the mixed ReplicaSets serve 5xx for a third of requests",
    stage: STAGE,
};

const INVESTIGATE: &[Step] = &[
    Step::Thought(
        "KubeDeploymentRolloutStuck for storefront in {ns}. Checking the rollout and both ReplicaSets.",
    ),
    Step::Tool {
        tool: "kubectl_rollout_status",
        input: r#"{"namespace":"{ns}","deployment":"storefront","timeout":"1s"}"#,
        output: "error: deployment \"storefront\" exceeded its progress deadline",
        failed: true,
    },
    Step::Tool {
        tool: "kubectl_get",
        input: r#"{"resource":"replicasets","namespace":"{ns}","selector":"app=storefront"}"#,
        output: "NAME                    DESIRED   CURRENT   READY   AGE   IMAGE\nstorefront-84c9d6f7b   2         2         0       17m   storefront:2.14.0\nstorefront-5b7f8c4d9   4         4         4       6d    storefront:2.13.4",
        failed: false,
    },
    Step::Hypothesis(
        "The new pods are slow to warm up and the progress deadline is too short",
        0.3,
    ),
    Step::Tool {
        tool: "kubectl_describe",
        input: r#"{"resource":"pod","namespace":"{ns}","name":"storefront-84c9d6f7b-jx2wd"}"#,
        output: "  Warning  Unhealthy  14m (x98 over 17m)  kubelet  Readiness probe failed: HTTP probe failed with statuscode: 503",
        failed: false,
    },
    Step::Tool {
        tool: "kubectl_logs",
        input: r#"{"namespace":"{ns}","pod":"storefront-84c9d6f7b-jx2wd","tail":5}"#,
        output: "{\"level\":\"warn\",\"msg\":\"feature flags unavailable\",\"url\":\"http://flags.platform.svc:8080\",\"err\":\"dial tcp: lookup flags.platform.svc: no such host\"}\n{\"level\":\"info\",\"msg\":\"readiness: dependencies not ready\",\"missing\":[\"flags\"]}",
        failed: false,
    },
    Step::Plain(
        "Warning: apps/v1 Deployment storefront: spec.progressDeadlineSeconds (600) exceeded; the controller stopped progressing the rollout",
    ),
    Step::Hypothesis(
        "2.14.0 depends on flags.platform.svc, which does not exist here; readiness will never pass",
        0.85,
    ),
    Step::Tool {
        tool: "prometheus_query",
        input: r#"{"query":"sum(rate(http_requests_total{namespace=\"{ns}\",service=\"storefront\",code=~\"5..\"}[5m])) / sum(rate(http_requests_total{namespace=\"{ns}\",service=\"storefront\"}[5m]))"}"#,
        output: "0.31 (31% of requests answer 5xx since 01:52)",
        failed: false,
    },
    Step::Thought(
        "31% 5xx is user-facing. Rolling back to revision 41 (2.13.4, 6 days healthy) restores service; the flags dependency is for the web team to ship first.",
    ),
];

static ROLL_BACK: Plan = Plan {
    summary: "Roll storefront back to revision 41 (image 2.13.4)",
    rationale: "2.14.0 never becomes ready: it needs flags.platform.svc, which does not resolve in this cluster. The rollout is past its progress deadline and 31% of requests fail. Revision 41 (2.13.4) ran 6 days without errors.",
    risk: Risk::Medium,
    reversible: true,
    action: ActionSpec::new(ActionKind::Patch, "apps/v1", "Deployment", "storefront").with_patch(
        "strategic",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"storefront","image":"registry.example.com/web/storefront:2.13.4"}]}}}}"#,
    ),
    rollback: Some(
        ActionSpec::new(ActionKind::Patch, "apps/v1", "Deployment", "storefront").with_patch(
            "strategic",
            r#"{"spec":{"template":{"spec":{"containers":[{"name":"storefront","image":"registry.example.com/web/storefront:2.14.0"}]}}}}"#,
        ),
    ),
    diff: "--- a/apps/v1/Deployment/{ns}/storefront (revision 42)\n+++ b/apps/v1/Deployment/{ns}/storefront (revision 41)\n@@ -24,7 +24,7 @@ spec:\n       containers:\n       - name: storefront\n-        image: registry.example.com/web/storefront:2.14.0\n+        image: registry.example.com/web/storefront:2.13.4\n         ports:\n         - containerPort: 8080\n",
    dry_run: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: storefront\n  namespace: {ns}\n  annotations:\n    deployment.kubernetes.io/revision: \"42\"\nspec:\n  replicas: 6\n  template:\n    spec:\n      containers:\n      - name: storefront\n        image: registry.example.com/web/storefront:2.13.4\n",
    verify: &[
        Step::Tool {
            tool: "kubectl_rollout_status",
            input: r#"{"namespace":"{ns}","deployment":"storefront","timeout":"5m"}"#,
            output: "deployment \"storefront\" successfully rolled out",
            failed: false,
        },
        Step::Tool {
            tool: "prometheus_query",
            input: r#"{"query":"5xx ratio storefront, last 5m"}"#,
            output: "0.002",
            failed: false,
        },
    ],
    then: None,
    revision: Some(&PAUSE),
};

static PAUSE: Plan = Plan {
    summary: "Pause the storefront rollout (keep both ReplicaSets as they are)",
    rationale: "The rollback was refused. Pausing stops the controller from replacing more 2.13.4 pods, so the failing share does not grow while the web team looks.",
    risk: Risk::Low,
    reversible: true,
    action: ActionSpec::new(ActionKind::Patch, "apps/v1", "Deployment", "storefront")
        .with_patch("merge", r#"{"spec":{"paused":true}}"#),
    rollback: Some(
        ActionSpec::new(ActionKind::Patch, "apps/v1", "Deployment", "storefront")
            .with_patch("merge", r#"{"spec":{"paused":null}}"#),
    ),
    diff: "--- a/apps/v1/Deployment/{ns}/storefront\n+++ b/apps/v1/Deployment/{ns}/storefront\n@@ -8,6 +8,7 @@ spec:\n+  paused: true\n   progressDeadlineSeconds: 600\n   replicas: 6\n",
    dry_run: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: storefront\n  namespace: {ns}\nspec:\n  paused: true\n",
    verify: &[Step::Tool {
        tool: "kubectl_get",
        input: r#"{"resource":"deployment","namespace":"{ns}","name":"storefront","jsonpath":"{.spec.paused}"}"#,
        output: "true",
        failed: false,
    }],
    then: None,
    revision: None,
};

/// storefront at 2.13.4 (six ready pods), then the 2.14.0 rollout that stalls
/// on readiness: one ReplicaSet of each, as the controllers leave them.
const STAGE: Stage = Stage {
    objects: r#"
- apiVersion: v1
  kind: Service
  metadata:
    name: storefront
    namespace: "{ns}"
    labels: {app: storefront}
  spec:
    selector: {app: storefront}
    ports:
    - {name: http, port: 80, targetPort: 8080, protocol: TCP}
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: storefront
    namespace: "{ns}"
    labels: {app: storefront}
  spec:
    replicas: 6
    progressDeadlineSeconds: 600
    revisionHistoryLimit: 10
    selector:
      matchLabels: {app: storefront}
    strategy:
      type: RollingUpdate
      rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}
    template:
      metadata:
        labels: {app: storefront}
        annotations:
          sandbox.kubevigil.io/unready-images: registry.example.com/web/storefront:2.14.0
      spec:
        containers:
        - name: storefront
          image: registry.example.com/web/storefront:2.13.4
          ports:
          - {containerPort: 8080, protocol: TCP}
          env:
          - {name: FLAGS_URL, value: "http://flags.platform.svc:8080"}
          readinessProbe:
            httpGet: {path: /ready, port: 8080}
            periodSeconds: 10
          resources:
            requests: {cpu: 200m, memory: 256Mi}
            limits: {memory: 512Mi}
"#,
    breaks: &[Break {
        api_version: "apps/v1",
        kind: "Deployment",
        name: "storefront",
        patch: r#"[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"registry.example.com/web/storefront:2.14.0"}]"#,
    }],
};
