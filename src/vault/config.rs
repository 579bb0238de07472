//! Where the Vault address and token come from, in the Vault CLI's order:
//! `VAULT_ADDR`, `VAULT_TOKEN` (else the token helper, else `~/.vault-token`),
//! `VAULT_NAMESPACE`, `VAULT_CACERT`, then the config file's `[vault]` section.

use super::VaultError;
use crate::config::VaultConfig;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Everything needed to talk to one Vault/OpenBao server.
#[derive(Clone, PartialEq, Eq)]
pub struct VaultSettings {
    /// The server address, such as `http://127.0.0.1:8200`.
    pub addr: String,
    /// The operator's token.
    pub token: String,
    /// The Vault Enterprise / OpenBao namespace, if any.
    pub namespace: Option<String>,
    /// A PEM CA certificate to trust.
    pub cacert: Option<PathBuf>,
}

impl std::fmt::Debug for VaultSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultSettings")
            .field("addr", &self.addr)
            .field("token", &"<redacted>")
            .field("namespace", &self.namespace)
            .field("cacert", &self.cacert)
            .finish()
    }
}

/// The settings from the process environment and `file` (the config file's
/// `[vault]` section); `Ok(None)` means Vault is off (no address anywhere).
pub fn settings_from_env(file: &VaultConfig) -> Result<Option<VaultSettings>, VaultError> {
    let home = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    resolve_settings(&|name| std::env::var(name).ok(), home.as_deref(), file)
}

/// [`settings_from_env`] with the environment and home directory given, for tests.
/// Environment variables win over the file; empty values count as unset.
pub fn resolve_settings(
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
    file: &VaultConfig,
) -> Result<Option<VaultSettings>, VaultError> {
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let Some(addr) = env("VAULT_ADDR").or_else(|| file.addr.clone()) else {
        return Ok(None);
    };
    let addr = addr.trim().trim_end_matches('/').to_string();
    check_address(&addr)?;
    let token = match env("VAULT_TOKEN") {
        Some(token) => token,
        None => match &file.token_helper {
            Some(helper) => token_from_helper(helper)?,
            None => home
                .map(|h| h.join(".vault-token"))
                .and_then(|p| std::fs::read_to_string(p).ok())
                .map(|t| t.trim().to_string())
                .unwrap_or_default(),
        },
    };
    if token.is_empty() {
        return Err(VaultError::NoToken { addr });
    }
    Ok(Some(VaultSettings {
        addr,
        token,
        namespace: env("VAULT_NAMESPACE").or_else(|| file.namespace.clone()),
        cacert: env("VAULT_CACERT")
            .map(PathBuf::from)
            .or_else(|| file.cacert.clone()),
    }))
}

/// Refuses anything that is not an absolute http(s) URL.
pub(crate) fn check_address(addr: &str) -> Result<(), VaultError> {
    let bad = || VaultError::BadAddress {
        addr: addr.to_string(),
    };
    let uri: http::Uri = addr.parse().map_err(|_| bad())?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(host)) if !host.is_empty() => Ok(()),
        _ => Err(bad()),
    }
}

/// Runs `helper get`, as the Vault CLI does, and returns what it printed.
fn token_from_helper(helper: &Path) -> Result<String, VaultError> {
    let failed = |reason: String| VaultError::TokenHelper {
        helper: helper.display().to_string(),
        reason,
    };
    let output = Command::new(helper)
        .arg("get")
        .output()
        .map_err(|e| failed(e.to_string()))?;
    if !output.status.success() {
        return Err(failed(format!(
            "{}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn no_address_anywhere_means_vault_is_off() {
        let off = resolve_settings(
            &env_of(&[("VAULT_TOKEN", "t")]),
            None,
            &VaultConfig::default(),
        );
        assert_eq!(off.expect("resolves"), None);
    }

    #[test]
    fn environment_wins_over_the_config_file() {
        let file = VaultConfig {
            addr: Some("https://file.example:8200".into()),
            namespace: Some("file-ns".into()),
            ..Default::default()
        };
        let env = env_of(&[
            ("VAULT_ADDR", "http://127.0.0.1:8200/"),
            ("VAULT_TOKEN", "s.env"),
            ("VAULT_NAMESPACE", "env-ns"),
        ]);
        let got = resolve_settings(&env, None, &file)
            .expect("ok")
            .expect("on");
        assert_eq!(got.addr, "http://127.0.0.1:8200");
        assert_eq!(got.token, "s.env");
        assert_eq!(got.namespace.as_deref(), Some("env-ns"));
    }

    #[test]
    fn the_token_file_in_home_is_used_without_vault_token() {
        let home = tempfile::tempdir().expect("tempdir");
        std::fs::write(home.path().join(".vault-token"), "s.fromfile\n").expect("write");
        let file = VaultConfig {
            addr: Some("https://vault.example".into()),
            ..Default::default()
        };
        let got = resolve_settings(&env_of(&[]), Some(home.path()), &file)
            .expect("ok")
            .expect("on");
        assert_eq!(got.token, "s.fromfile");
        assert!(!format!("{got:?}").contains("s.fromfile"), "token redacted");
    }

    #[test]
    fn an_address_without_a_token_says_how_to_log_in() {
        let err = resolve_settings(
            &env_of(&[("VAULT_ADDR", "http://v:8200")]),
            None,
            &VaultConfig::default(),
        )
        .expect_err("no token");
        assert!(err.to_string().contains("no token was found"), "{err}");
    }

    #[test]
    fn a_malformed_address_is_refused() {
        let err = resolve_settings(
            &env_of(&[("VAULT_ADDR", "vault:8200"), ("VAULT_TOKEN", "t")]),
            None,
            &VaultConfig::default(),
        )
        .expect_err("bad addr");
        assert!(matches!(err, VaultError::BadAddress { .. }), "{err}");
    }
}
