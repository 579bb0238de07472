//! The launcher's settings: the webhook's bearer token, the global cap, the
//! queue bound and the per-alertname rate.

use std::time::Duration;

/// The global cap on running investigations unless configured.
pub const DEFAULT_MAX_INVESTIGATIONS: u32 = 20;
/// How many queued investigations the launcher holds before the webhook
/// answers 503, unless configured.
pub const DEFAULT_QUEUE_BOUND: usize = 1000;
/// The per-alertname rate unless configured: 30 new investigations a minute.
pub const DEFAULT_ALERT_RATE: &str = "30/1m";
/// The webhook's path on the governor's HTTP listener.
pub const WEBHOOK_PATH: &str = "/api/v1/alerts";
/// The `Retry-After` the webhook answers with a 503, in seconds.
pub const RETRY_AFTER_SECONDS: u64 = 30;

/// How many new investigations one alertname may start per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertRate {
    /// Investigations allowed per period.
    pub count: u32,
    /// The period.
    pub per: Duration,
}

impl Default for AlertRate {
    fn default() -> Self {
        AlertRate {
            count: 30,
            per: Duration::from_secs(60),
        }
    }
}

impl std::str::FromStr for AlertRate {
    type Err = String;

    /// `N/PERIOD`, the period a number and a unit (`s`, `m`, `h`), the number
    /// optional (`30/1m`, `5/10s`, `100/h`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{text}` is not N/PERIOD (e.g. 30/1m, 5/10s, 100/h)");
        let (count, period) = text.trim().split_once('/').ok_or_else(bad)?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        let period = period.trim();
        let unit_at = period.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (number, unit) = period.split_at(unit_at);
        let number: u64 = if number.is_empty() {
            1
        } else {
            number.parse().map_err(|_| bad())?
        };
        let seconds = match unit {
            "s" => number,
            "m" => number * 60,
            "h" => number * 3600,
            _ => return Err(bad()),
        };
        if count == 0 || seconds == 0 {
            return Err(format!(
                "`{text}`: the count and the period must be above 0"
            ));
        }
        Ok(AlertRate {
            count,
            per: Duration::from_secs(seconds),
        })
    }
}

impl std::fmt::Display for AlertRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}s", self.count, self.per.as_secs())
    }
}

/// Where the webhook's bearer token comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// The token itself (the sandbox and tests).
    Literal(String),
    /// A file holding the token (trimmed), e.g. a mounted Secret.
    File(std::path::PathBuf),
    /// A key of a Secret, read through the API (`NS/NAME[:KEY]`, key default `token`).
    Secret {
        /// The Secret's namespace.
        namespace: String,
        /// The Secret's name.
        name: String,
        /// The key in its data.
        key: String,
    },
}

impl TokenSource {
    /// Parses `--webhook-token-secret NS/NAME[:KEY]`.
    pub fn parse_secret(text: &str) -> Result<TokenSource, String> {
        let bad = || format!("`{text}` is not NAMESPACE/NAME[:KEY]");
        let (namespace, rest) = text.split_once('/').ok_or_else(bad)?;
        let (name, key) = rest.split_once(':').unwrap_or((rest, "token"));
        if namespace.is_empty() || name.is_empty() || key.is_empty() {
            return Err(bad());
        }
        Ok(TokenSource::Secret {
            namespace: namespace.to_string(),
            name: name.to_string(),
            key: key.to_string(),
        })
    }
}

/// Everything the launcher is told.
#[derive(Debug, Clone)]
pub struct LauncherConfig {
    /// The bearer token Alertmanager must present (already loaded: see
    /// [`super::load_token`]). Empty: every request is refused with 401.
    pub webhook_token: String,
    /// The most investigations running at once in the whole cluster.
    pub max_investigations: u32,
    /// The most queued investigations; past it the webhook answers 503.
    pub queue_bound: usize,
    /// New investigations per alertname per period.
    pub alert_rate: AlertRate,
    /// Where the launcher records Events that concern no Job (a rate-limited
    /// alert without a namespace): the governor's own namespace.
    pub event_namespace: String,
    /// The `Retry-After` of a 503, in seconds.
    pub retry_after_seconds: u64,
}

impl LauncherConfig {
    /// The defaults with `webhook_token`.
    pub fn new(webhook_token: impl Into<String>) -> Self {
        LauncherConfig {
            webhook_token: webhook_token.into(),
            max_investigations: DEFAULT_MAX_INVESTIGATIONS,
            queue_bound: DEFAULT_QUEUE_BOUND,
            alert_rate: AlertRate::default(),
            event_namespace: crate::governor::leader::DEFAULT_LEASE_NAMESPACE.to_string(),
            retry_after_seconds: RETRY_AFTER_SECONDS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_with_and_without_a_number() {
        let rate: AlertRate = "30/1m".parse().expect("30/1m");
        assert_eq!((rate.count, rate.per.as_secs()), (30, 60));
        let rate: AlertRate = "100/h".parse().expect("100/h");
        assert_eq!((rate.count, rate.per.as_secs()), (100, 3600));
        let rate: AlertRate = "5/10s".parse().expect("5/10s");
        assert_eq!((rate.count, rate.per.as_secs()), (5, 10));
        for bad in ["30", "x/1m", "0/1m", "30/0s", "30/1d", "30/"] {
            assert!(bad.parse::<AlertRate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn secret_sources_default_their_key() {
        assert_eq!(
            TokenSource::parse_secret("kubevigil-system/webhook"),
            Ok(TokenSource::Secret {
                namespace: "kubevigil-system".into(),
                name: "webhook".into(),
                key: "token".into()
            })
        );
        assert!(TokenSource::parse_secret("webhook").is_err());
        assert!(TokenSource::parse_secret("ns/name:").is_err());
    }
}
