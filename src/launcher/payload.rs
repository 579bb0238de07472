//! Alertmanager's webhook payload (version 4) and its validation: what
//! Alertmanager posts to a `webhook_configs` receiver.

use jiff::Timestamp;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The webhook body.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookPayload {
    /// The payload version; only `"4"` is understood.
    pub version: String,
    /// The group's key.
    #[serde(default)]
    pub group_key: String,
    /// Alerts Alertmanager left out because of `max_alerts`.
    #[serde(default)]
    pub truncated_alerts: u64,
    /// `firing` or `resolved`, for the group.
    #[serde(default)]
    pub status: String,
    /// The receiver's name.
    #[serde(default)]
    pub receiver: String,
    /// The alerts.
    pub alerts: Vec<WebhookAlert>,
}

/// One alert of the payload.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookAlert {
    /// `firing` or `resolved`.
    pub status: String,
    /// The alert's labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The alert's annotations.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// When it started firing (RFC 3339).
    pub starts_at: String,
    /// When it ended (RFC 3339; zero time while it fires).
    #[serde(default)]
    pub ends_at: String,
    /// Where it came from.
    #[serde(default, rename = "generatorURL")]
    pub generator_url: String,
    /// Alertmanager's fingerprint of its label set (hex).
    pub fingerprint: String,
}

/// An alert checked and reduced to what the launcher uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Firing (`true`) or resolved.
    pub firing: bool,
    /// The fingerprint (lowercase hex, at most 63 characters).
    pub fingerprint: String,
    /// `startsAt`, normalised to RFC 3339 UTC.
    pub starts_at: String,
    /// The `alertname` label.
    pub alertname: String,
    /// The labels.
    pub labels: BTreeMap<String, String>,
    /// The annotations.
    pub annotations: BTreeMap<String, String>,
}

impl Alert {
    /// The dedup key: fingerprint and `startsAt`.
    pub fn key(&self) -> (String, String) {
        (self.fingerprint.clone(), self.starts_at.clone())
    }

    /// The `severity` label, or "" when it has none.
    pub fn severity(&self) -> &str {
        self.labels.get("severity").map_or("", String::as_str)
    }

    /// The `summary` annotation (or `description`, or "").
    pub fn summary(&self) -> &str {
        self.annotations
            .get("summary")
            .or_else(|| self.annotations.get("description"))
            .map_or("", String::as_str)
    }
}

/// Reads and checks a webhook body; the error is the reason for a 400.
pub fn parse(body: &[u8]) -> Result<Vec<Alert>, String> {
    let payload: WebhookPayload = serde_json::from_slice(body)
        .map_err(|e| format!("not an Alertmanager webhook payload: {e}"))?;
    if payload.version != "4" {
        return Err(format!(
            "payload version {:?}: only version \"4\" is understood",
            payload.version
        ));
    }
    payload
        .alerts
        .into_iter()
        .enumerate()
        .map(|(i, alert)| check(alert).map_err(|reason| format!("alerts[{i}]: {reason}")))
        .collect()
}

fn check(alert: WebhookAlert) -> Result<Alert, String> {
    let firing = match alert.status.as_str() {
        "firing" => true,
        "resolved" => false,
        other => {
            return Err(format!(
                "status {other:?} is neither \"firing\" nor \"resolved\""
            ));
        }
    };
    let fingerprint = alert.fingerprint.to_ascii_lowercase();
    if fingerprint.is_empty()
        || fingerprint.len() > 63
        || !fingerprint.chars().all(|c| c.is_ascii_hexdigit())
    {
        return Err(format!(
            "fingerprint {:?} is not 1 to 63 hex digits",
            alert.fingerprint
        ));
    }
    let starts_at: Timestamp = alert.starts_at.parse().map_err(|e| {
        format!(
            "startsAt {:?} is not an RFC 3339 time: {e}",
            alert.starts_at
        )
    })?;
    let alertname = alert
        .labels
        .get("alertname")
        .filter(|n| !n.trim().is_empty())
        .cloned()
        .ok_or_else(|| "the alert has no alertname label".to_string())?;
    Ok(Alert {
        firing,
        fingerprint,
        starts_at: starts_at.to_string(),
        alertname,
        labels: alert.labels,
        annotations: alert.annotations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(alerts: serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0, "status": "firing",
            "receiver": "kubevigil", "groupLabels": {}, "commonLabels": {},
            "commonAnnotations": {}, "externalURL": "http://am", "alerts": alerts
        }))
        .expect("json")
    }

    #[test]
    fn a_firing_and_a_resolved_alert_read() {
        let alerts = parse(&body(json!([
            {"status": "firing", "labels": {"alertname": "HighLatency", "namespace": "payments"},
             "annotations": {"summary": "p99 above 2s"}, "startsAt": "2026-12-01T10:00:00.123+01:00",
             "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prom", "fingerprint": "ABCDEF0123456789"},
            {"status": "resolved", "labels": {"alertname": "X"}, "annotations": {},
             "startsAt": "2026-12-01T10:00:00Z", "endsAt": "2026-12-01T10:05:00Z", "fingerprint": "01"}
        ])))
        .expect("a valid payload");
        assert_eq!(alerts.len(), 2);
        assert!(alerts[0].firing && !alerts[1].firing);
        assert_eq!(alerts[0].fingerprint, "abcdef0123456789");
        assert_eq!(alerts[0].starts_at, "2026-12-01T09:00:00.123Z");
        assert_eq!(alerts[0].summary(), "p99 above 2s");
    }

    #[test]
    fn malformed_payloads_say_why() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"{not json".to_vec(), "not an Alertmanager webhook payload"),
            (
                serde_json::to_vec(&json!({"version": "3", "alerts": []})).expect("json"),
                "only version \"4\"",
            ),
            (
                body(
                    json!([{"status": "firing", "labels": {"alertname": "X"}, "startsAt": "2026-12-01T10:00:00Z", "fingerprint": "zz"}]),
                ),
                "alerts[0]: fingerprint",
            ),
            (
                body(
                    json!([{"status": "pending", "labels": {"alertname": "X"}, "startsAt": "2026-12-01T10:00:00Z", "fingerprint": "01"}]),
                ),
                "neither",
            ),
            (
                body(
                    json!([{"status": "firing", "labels": {}, "startsAt": "2026-12-01T10:00:00Z", "fingerprint": "01"}]),
                ),
                "no alertname",
            ),
            (
                body(
                    json!([{"status": "firing", "labels": {"alertname": "X"}, "startsAt": "yesterday", "fingerprint": "01"}]),
                ),
                "startsAt",
            ),
        ];
        for (body, expected) in cases {
            let reason = parse(&body).expect_err(expected);
            assert!(reason.contains(expected), "{reason:?} lacks {expected:?}");
        }
    }
}
