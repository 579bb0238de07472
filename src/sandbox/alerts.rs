//! The sandbox's Alertmanager: its scenarios as alerts, posted to the
//! leading governor's launcher as Alertmanager's webhook (payload version 4,
//! the bearer token of `http_config.authorization`, Alertmanager's
//! fingerprint of the label set). Like Alertmanager it retries what was not
//! accepted (503 with `Retry-After`, a replica that does not lead, a
//! connection refused while the leader changes), so nothing is lost.

use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The `source` label of every sandbox alert (the `sim-agent` template matches it).
pub const SOURCE: &str = "kubevigil-sandbox";

/// One alert as Alertmanager sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimAlert {
    /// Its labels (`alertname`, `namespace`, `severity`, `source`, `instance`).
    pub labels: BTreeMap<String, String>,
    /// Its annotations (`summary`).
    pub annotations: BTreeMap<String, String>,
    /// When it started firing.
    pub starts_at: Timestamp,
    /// When it was resolved; `None` while it fires.
    pub ends_at: Option<Timestamp>,
}

impl SimAlert {
    /// Alert `alertname` in `namespace` with `severity` and `summary`, firing
    /// from now; `instance` tells apart alerts of the same kind.
    pub fn firing(
        alertname: &str,
        namespace: &str,
        severity: &str,
        summary: &str,
        instance: &str,
    ) -> SimAlert {
        let labels = BTreeMap::from([
            ("alertname".to_string(), alertname.to_string()),
            ("namespace".to_string(), namespace.to_string()),
            ("severity".to_string(), severity.to_string()),
            ("source".to_string(), SOURCE.to_string()),
            ("instance".to_string(), instance.to_string()),
        ]);
        SimAlert {
            labels,
            annotations: BTreeMap::from([("summary".to_string(), summary.to_string())]),
            starts_at: Timestamp::now(),
            ends_at: None,
        }
    }

    /// The same alert, resolved now.
    pub fn resolved(&self) -> SimAlert {
        SimAlert {
            ends_at: Some(Timestamp::now()),
            ..self.clone()
        }
    }

    /// Alertmanager's fingerprint of the label set: FNV-1a (64 bit) over the
    /// sorted names and values, each followed by the byte 0xff, in hex.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.labels)
    }

    /// The alert as one entry of the webhook's `alerts`.
    pub fn to_json(&self) -> Value {
        let starts_at = whole_millis(self.starts_at);
        json!({
            "status": if self.ends_at.is_some() { "resolved" } else { "firing" },
            "labels": self.labels,
            "annotations": self.annotations,
            "startsAt": starts_at,
            "endsAt": self.ends_at.map_or_else(|| "0001-01-01T00:00:00Z".to_string(), whole_millis),
            "generatorURL": "http://prometheus.sandbox:9090/graph",
            "fingerprint": self.fingerprint(),
        })
    }
}

fn whole_millis(at: Timestamp) -> String {
    at.round(jiff::Unit::Millisecond).unwrap_or(at).to_string()
}

/// Alertmanager's fingerprint of a label set (Prometheus' `LabelSet.Fingerprint`).
pub fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    let mut add = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(PRIME);
        }
    };
    for (name, value) in labels {
        add(name.as_bytes());
        add(&[0xff]);
        add(value.as_bytes());
        add(&[0xff]);
    }
    format!("{hash:016x}")
}

/// The webhook body (version 4) for `alerts`, grouped as one notification.
pub fn payload(alerts: &[SimAlert]) -> Value {
    let firing = alerts.iter().any(|a| a.ends_at.is_none());
    let common = alerts.first().map(|a| a.labels.clone()).unwrap_or_default();
    json!({
        "version": "4",
        "groupKey": format!("{{}}/{{source=\"{SOURCE}\"}}:{{alertname=\"{}\"}}",
            common.get("alertname").map_or("", String::as_str)),
        "truncatedAlerts": 0,
        "status": if firing { "firing" } else { "resolved" },
        "receiver": "kubevigil",
        "groupLabels": { "alertname": common.get("alertname") },
        "commonLabels": common,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.sandbox:9093",
        "alerts": alerts.iter().map(SimAlert::to_json).collect::<Vec<_>>(),
    })
}

/// What the webhook answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// `Retry-After`, in seconds, when given.
    pub retry_after: Option<u64>,
    /// The body.
    pub body: String,
}

/// Posts `body` to `url` (`http://HOST:PORT/PATH`) with `token` as the
/// bearer token, as Alertmanager's webhook notifier does (HTTP/1.1).
pub async fn post(url: &str, token: &str, body: &Value) -> std::io::Result<Answer> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| std::io::Error::other(format!("not an http URL: {url}")))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let body = serde_json::to_vec(body).map_err(std::io::Error::other)?;
    let request = format!(
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: Alertmanager/0.25.0\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let exchange = async {
        let mut stream = TcpStream::connect(host).await?;
        stream.write_all(request.as_bytes()).await?;
        stream.write_all(&body).await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        Ok::<_, std::io::Error>(answer)
    };
    let answer = tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .map_err(|_| std::io::Error::other("no answer within 10 s"))??;
    parse_answer(&answer)
}

fn parse_answer(raw: &[u8]) -> std::io::Result<Answer> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other("not an HTTP answer"))?;
    let retry_after = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("retry-after"))
        .and_then(|(_, value)| value.trim().parse().ok());
    Ok(Answer {
        status,
        retry_after,
        body: body.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_alertmanagers() {
        // Prometheus' LabelSet{"alertname":"Watchdog"}.Fingerprint(), as
        // computed by hand: FNV-1a 64 of "alertname\xffWatchdog\xff".
        let labels = BTreeMap::from([("alertname".to_string(), "Watchdog".to_string())]);
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in b"alertname\xffWatchdog\xff" {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        assert_eq!(fingerprint(&labels), format!("{hash:016x}"));
        assert_eq!(fingerprint(&labels).len(), 16);
        let other = BTreeMap::from([("alertname".to_string(), "Watchdog2".to_string())]);
        assert_ne!(fingerprint(&labels), fingerprint(&other));
    }

    #[test]
    fn a_payload_is_version_4_and_resolves() {
        let alert = SimAlert::firing("rollout", "web", "warning", "api 5xx", "a1");
        let body = payload(std::slice::from_ref(&alert));
        assert_eq!(body["version"], "4");
        assert_eq!(body["alerts"][0]["status"], "firing");
        assert_eq!(body["alerts"][0]["labels"]["source"], SOURCE);
        assert_eq!(body["alerts"][0]["fingerprint"], alert.fingerprint());
        let resolved = payload(&[alert.resolved()]);
        assert_eq!(resolved["status"], "resolved");
        assert_eq!(resolved["alerts"][0]["fingerprint"], alert.fingerprint());
    }

    #[test]
    fn answers_are_read_with_their_retry_after() {
        let raw =
            b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 30\r\ncontent-length: 4\r\n\r\nfull";
        let answer = parse_answer(raw).expect("an answer");
        assert_eq!(answer.status, 503);
        assert_eq!(answer.retry_after, Some(30));
        assert_eq!(answer.body, "full");
    }
}
