//! A certificate about to expire whose renewal is stuck: delete the secret to
//! force reissue (high risk), or, after a veto, let cert-manager rotate the key.

use crate::domain::{ActionKind, Risk};
use crate::sandbox::agents::script::{ActionSpec, Break, Plan, Scenario, Stage, Step};

/// The scenario.
pub static SCENARIO: Scenario = Scenario {
    key: "certificate",
    title: "shop-tls expires in 41 hours and cert-manager cannot renew it",
    home_namespace: "platform",
    trigger: "CertManagerCertExpirySoon: shop-tls (41h left)",
    severity: "warning",
    investigate: INVESTIGATE,
    plan: &DELETE_SECRET,
    cause: "shop-tls's privateKey.algorithm was changed to ECDSA while rotationPolicy is Never; cert-manager refuses to reuse the existing RSA key, so every renewal attempt since 30 days before expiry has failed",
    stage: STAGE,
};

const INVESTIGATE: &[Step] = &[
    Step::Thought(
        "Certificate shop-tls in {ns} expires in 41h. cert-manager renews at 30 days, so renewal has been failing for weeks. Looking at the Certificate's conditions.",
    ),
    Step::Tool {
        tool: "kubectl_get",
        input: r#"{"resource":"certificate","namespace":"{ns}","name":"shop-tls","output":"wide"}"#,
        output: "NAME       READY   SECRET     ISSUER             STATUS                                          AGE\nshop-tls   False   shop-tls   letsencrypt-prod   Issuing certificate as Secret was previously issued by...   412d",
        failed: false,
    },
    Step::Hypothesis(
        "The ACME issuer is rate-limited or its HTTP-01 challenge cannot be reached",
        0.45,
    ),
    Step::Tool {
        tool: "kubectl_describe",
        input: r#"{"resource":"certificate","namespace":"{ns}","name":"shop-tls"}"#,
        output: "Status:\n  Conditions:\n    Type:    Ready\n    Status:  False\n    Reason:  Expiring\n    Type:    Issuing\n    Status:  False\n    Reason:  Failed\n    Message: The certificate request has failed to complete and will be retried: existing private key is not up to date for spec: [spec.privateKey.algorithm]\n  Not After:  2026-11-29T00:14:09Z\n  Renewal Time: 2026-10-30T00:14:09Z\n  Failed Issuance Attempts: 27",
        failed: false,
    },
    Step::Tool {
        tool: "kubectl_get",
        input: r#"{"resource":"challenges.acme.cert-manager.io","namespace":"{ns}"}"#,
        output: "No resources found in {ns} namespace.",
        failed: false,
    },
    Step::Hypothesis(
        "Not the issuer: no challenge was ever created. The key no longer matches spec.privateKey and rotationPolicy forbids generating a new one",
        0.8,
    ),
    Step::Tool {
        tool: "kubectl_get",
        input: r#"{"resource":"certificate","namespace":"{ns}","name":"shop-tls","jsonpath":"{.spec.privateKey}"}"#,
        output: "{\"algorithm\":\"ECDSA\",\"rotationPolicy\":\"Never\",\"size\":256}",
        failed: false,
    },
    Step::Plain(
        "openssl x509 -noout -in /tmp/shop-tls.crt -text | grep 'Public Key Algorithm'  =>  Public Key Algorithm: rsaEncryption",
    ),
    Step::Thought(
        "The secret holds an RSA key; the spec asks for ECDSA P-256 with rotationPolicy Never. Removing the secret makes cert-manager issue with a fresh key. Ingress serves the default certificate until the new one lands (about 40 s with HTTP-01), which is why this is high risk.",
    ),
];

static DELETE_SECRET: Plan = Plan {
    summary: "Delete Secret shop-tls so cert-manager reissues it with a new ECDSA key",
    rationale: "Renewal has failed 27 times: the stored RSA key does not match spec.privateKey (ECDSA) and rotationPolicy is Never. Deleting the secret forces a fresh issuance. The ingress falls back to its default certificate for ~40 s until the new secret exists.",
    risk: Risk::High,
    reversible: false,
    action: ActionSpec::new(ActionKind::Delete, "v1", "Secret", "shop-tls"),
    rollback: None,
    diff: "--- a/v1/Secret/{ns}/shop-tls\n+++ /dev/null\n@@ -1,9 +0,0 @@\n-apiVersion: v1\n-kind: Secret\n-metadata:\n-  name: shop-tls\n-  annotations:\n-    cert-manager.io/certificate-name: shop-tls\n-type: kubernetes.io/tls\n-data:\n-  tls.crt: (redacted, 3.9 KiB)\n",
    dry_run: "apiVersion: v1\nkind: Status\nstatus: Success\ndetails:\n  name: shop-tls\n  kind: secrets\n  uid: 1f0c2a9e-5d41-4b7e-9c1e-8a2f3b7d6e10\n",
    verify: &[Step::Tool {
        tool: "kubectl_get",
        input: r#"{"resource":"certificate","namespace":"{ns}","name":"shop-tls"}"#,
        output: "NAME       READY   SECRET     ISSUER             STATUS                                          AGE\nshop-tls   True    shop-tls   letsencrypt-prod   Certificate is up to date and has not expired   412d",
        failed: false,
    }],
    then: None,
    revision: Some(&ROTATE_KEY),
};

static ROTATE_KEY: Plan = Plan {
    summary: "Set shop-tls privateKey.rotationPolicy to Always so cert-manager renews in place",
    rationale: "Deleting the secret was refused. With rotationPolicy Always cert-manager generates the ECDSA key itself and swaps the secret only once the new certificate is issued: no window without a certificate.",
    risk: Risk::Medium,
    reversible: true,
    action: ActionSpec::new(
        ActionKind::Patch,
        "cert-manager.io/v1",
        "Certificate",
        "shop-tls",
    )
    .with_patch(
        "merge",
        r#"{"spec":{"privateKey":{"rotationPolicy":"Always"}}}"#,
    ),
    rollback: Some(
        ActionSpec::new(
            ActionKind::Patch,
            "cert-manager.io/v1",
            "Certificate",
            "shop-tls",
        )
        .with_patch(
            "merge",
            r#"{"spec":{"privateKey":{"rotationPolicy":"Never"}}}"#,
        ),
    ),
    diff: "--- a/cert-manager.io/v1/Certificate/{ns}/shop-tls\n+++ b/cert-manager.io/v1/Certificate/{ns}/shop-tls\n@@ -12,7 +12,7 @@ spec:\n   privateKey:\n     algorithm: ECDSA\n-    rotationPolicy: Never\n+    rotationPolicy: Always\n     size: 256\n",
    dry_run: "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: shop-tls\n  namespace: {ns}\nspec:\n  secretName: shop-tls\n  privateKey:\n    algorithm: ECDSA\n    rotationPolicy: Always\n    size: 256\n",
    verify: &[Step::Tool {
        tool: "kubectl_get",
        input: r#"{"resource":"certificate","namespace":"{ns}","name":"shop-tls","jsonpath":"{.status.notAfter}"}"#,
        output: "2027-02-25T02:21:40Z",
        failed: false,
    }],
    then: None,
    revision: None,
};

/// shop-tls: the Certificate that asks for an ECDSA key while rotationPolicy
/// is Never, as cert-manager reports it, and the RSA-keyed Secret it cannot
/// renew.
const STAGE: Stage = Stage {
    objects: r#"
- apiVersion: cert-manager.io/v1
  kind: Certificate
  metadata:
    name: shop-tls
    namespace: "{ns}"
  spec:
    secretName: shop-tls
    dnsNames: [shop.example.com, www.shop.example.com]
    issuerRef: {name: letsencrypt-prod, kind: ClusterIssuer, group: cert-manager.io}
    privateKey: {algorithm: ECDSA, size: 256, rotationPolicy: Never}
  status:
    failedIssuanceAttempts: 27
    conditions:
    - type: Ready
      status: "False"
      reason: Expiring
      message: Certificate expires in 41 hours and could not be renewed
    - type: Issuing
      status: "False"
      reason: Failed
      message: "The certificate request has failed to complete and will be retried: existing private key is not up to date for spec: [spec.privateKey.algorithm]"
- apiVersion: v1
  kind: Secret
  metadata:
    name: shop-tls
    namespace: "{ns}"
    annotations:
      cert-manager.io/certificate-name: shop-tls
      cert-manager.io/issuer-name: letsencrypt-prod
  type: kubernetes.io/tls
  data:
    tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCihzYW5kYm94IHBsYWNlaG9sZGVyLCBSU0EgMjA0OCkKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
    tls.key: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQooc2FuZGJveCBwbGFjZWhvbGRlcikKLS0tLS1FTkQgUlNBIFBSSVZBVEUgS0VZLS0tLS0K
"#,
    breaks: &[Break {
        api_version: "cert-manager.io/v1",
        kind: "Certificate",
        name: "shop-tls",
        patch: r#"[{"op":"replace","path":"/spec/privateKey","value":{"algorithm":"ECDSA","size":256,"rotationPolicy":"Never"}}]"#,
    }],
};
