//! Where the Vault address, token and TLS settings come from, as the `bao`
//! and `vault` CLIs find them:
//!
//! - each setting from the environment, OpenBao's `BAO_*` name first, then
//!   Vault's `VAULT_*` name (the bao CLI's order; name by name, so
//!   `BAO_ADDR` with `VAULT_TOKEN` works), then the config file's `[vault]`
//!   section; empty values count as unset;
//! - the token: `BAO_TOKEN`/`VAULT_TOKEN`, else the `[vault] token_helper`
//!   program, else the `token_helper` of the CLI's own config file
//!   (`BAO_CONFIG_PATH`/`VAULT_CONFIG_PATH`, else `~/.bao`, else `~/.vault`),
//!   run as `<helper> get`, else `~/.vault-token` (what `bao login` writes);
//! - `*_SKIP_VERIFY` (`true`/`1`/`t`..., as Go's `strconv.ParseBool` reads
//!   it; anything else is refused), `*_CACERT`, and a client certificate
//!   (`*_CLIENT_CERT` with `*_CLIENT_KEY`, both or neither).

use super::VaultError;
use crate::config::VaultConfig;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Everything needed to talk to one Vault/OpenBao server.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct VaultSettings {
    /// The server address, such as `http://127.0.0.1:8200`.
    pub addr: String,
    /// The operator's token.
    pub token: String,
    /// The Vault Enterprise / OpenBao namespace, if any.
    pub namespace: Option<String>,
    /// A PEM CA certificate to trust.
    pub cacert: Option<PathBuf>,
    /// Whether the server's TLS certificate goes unchecked
    /// (`BAO_SKIP_VERIFY`/`VAULT_SKIP_VERIFY`): the console warns about it.
    pub skip_verify: bool,
    /// The client certificate to present, when the server asks for one.
    pub client_certificate: Option<ClientCertificate>,
}

/// A TLS client certificate and its private key, both PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    /// The certificate (`BAO_CLIENT_CERT`/`VAULT_CLIENT_CERT`).
    pub cert: PathBuf,
    /// Its private key (`BAO_CLIENT_KEY`/`VAULT_CLIENT_KEY`).
    pub key: PathBuf,
}

impl std::fmt::Debug for VaultSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultSettings")
            .field("addr", &self.addr)
            .field("token", &"<redacted>")
            .field("namespace", &self.namespace)
            .field("cacert", &self.cacert)
            .field("skip_verify", &self.skip_verify)
            .field("client_certificate", &self.client_certificate)
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
/// Environment variables win over the file, `BAO_*` over `VAULT_*`; empty
/// values count as unset.
pub fn resolve_settings(
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
    file: &VaultConfig,
) -> Result<Option<VaultSettings>, VaultError> {
    let env = Env { env };
    let Some(addr) = env.value("ADDR").or_else(|| file.addr.clone()) else {
        return Ok(None);
    };
    let addr = addr.trim().trim_end_matches('/').to_string();
    check_address(&addr)?;
    let token = match env.value("TOKEN") {
        Some(token) => token,
        None => token_without_variable(&env, home, file, &addr)?,
    };
    if token.is_empty() {
        return Err(VaultError::NoToken { addr });
    }
    let skip_verify = match env.named("SKIP_VERIFY") {
        Some((name, value)) => parse_bool(&value).ok_or_else(|| VaultError::Setting {
            name,
            reason: format!("is {value:?}, not true or false"),
        })?,
        None => false,
    };
    let client_certificate = match (env.named("CLIENT_CERT"), env.named("CLIENT_KEY")) {
        (Some((_, cert)), Some((_, key))) => Some(ClientCertificate {
            cert: expand_home(&cert, home),
            key: expand_home(&key, home),
        }),
        (None, None) => None,
        (Some((name, _)), None) => {
            return Err(VaultError::Setting {
                name,
                reason: "is set but no client key is (set BAO_CLIENT_KEY or VAULT_CLIENT_KEY)"
                    .into(),
            });
        }
        (None, Some((name, _))) => {
            return Err(VaultError::Setting {
                name,
                reason:
                    "is set but no client certificate is (set BAO_CLIENT_CERT or VAULT_CLIENT_CERT)"
                        .into(),
            });
        }
    };
    Ok(Some(VaultSettings {
        addr,
        token,
        namespace: env.value("NAMESPACE").or_else(|| file.namespace.clone()),
        cacert: env
            .value("CACERT")
            .map(|p| expand_home(&p, home))
            .or_else(|| file.cacert.clone()),
        skip_verify,
        client_certificate,
    }))
}

/// The environment as the bao CLI reads it.
struct Env<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl Env<'_> {
    /// `BAO_<suffix>`, else `VAULT_<suffix>`, with the name that was set.
    fn named(&self, suffix: &str) -> Option<(String, String)> {
        ["BAO_", "VAULT_"].iter().find_map(|prefix| {
            let name = format!("{prefix}{suffix}");
            (self.env)(&name)
                .filter(|v| !v.trim().is_empty())
                .map(|v| (name, v.trim().to_string()))
        })
    }

    /// The value of [`Env::named`].
    fn value(&self, suffix: &str) -> Option<String> {
        self.named(suffix).map(|(_, value)| value)
    }
}

/// The token when no `*_TOKEN` variable gives one: a token helper (the
/// config file's, else the CLI's), else `~/.vault-token`.
fn token_without_variable(
    env: &Env<'_>,
    home: Option<&Path>,
    file: &VaultConfig,
    addr: &str,
) -> Result<String, VaultError> {
    if let Some(helper) = &file.token_helper {
        return token_from_helper(helper, addr);
    }
    if let Some(helper) = cli_token_helper(env, home)? {
        return token_from_helper(&helper, addr);
    }
    Ok(home
        .map(|h| h.join(".vault-token"))
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map(|t| t.trim().to_string())
        .unwrap_or_default())
}

/// The `token_helper` of the bao or vault CLI's config file:
/// `BAO_CONFIG_PATH`/`VAULT_CONFIG_PATH` when set, else `~/.bao`, else
/// `~/.vault`; `None` when there is no such file or it sets no helper. A file
/// that exists but cannot be read is an error, as for the CLI.
fn cli_token_helper(env: &Env<'_>, home: Option<&Path>) -> Result<Option<PathBuf>, VaultError> {
    let candidates: Vec<(String, PathBuf)> = match env.named("CONFIG_PATH") {
        Some((name, path)) => vec![(name, expand_home(&path, home))],
        None => home
            .into_iter()
            .flat_map(|home| [".bao", ".vault"].map(|file| (format!("~/{file}"), home.join(file))))
            .collect(),
    };
    for (name, path) in candidates {
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(VaultError::Setting {
                    name,
                    reason: format!("({}) cannot be read: {e}", path.display()),
                });
            }
        };
        return Ok(token_helper_in(&text).map(|helper| expand_home(&helper, home)));
    }
    Ok(None)
}

/// The `token_helper = "..."` of a CLI config file (HCL, or its JSON form
/// `{"token_helper": "..."}`); `None` when it sets none.
pub(crate) fn token_helper_in(text: &str) -> Option<String> {
    static PATTERN: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let pattern = PATTERN
        .get_or_init(|| {
            regex::Regex::new(r#"(?m)^\s*[{,]?\s*"?token_helper"?\s*[=:]\s*"((?:[^"\\\n]|\\.)*)""#)
                .ok()
        })
        .as_ref()?;
    let raw = pattern.captures(text)?.get(1)?.as_str();
    let mut helper = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => helper.extend(chars.next()),
            c => helper.push(c),
        }
    }
    Some(helper).filter(|h| !h.trim().is_empty())
}

/// `~/...` under `home`; anything else as it is.
fn expand_home(path: &str, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

/// A boolean as Go's `strconv.ParseBool` (and so the Vault CLI) reads it.
fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
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

/// Runs `helper get`, as the Vault CLI does, with `VAULT_ADDR` and
/// `BAO_ADDR` set to the server's address (helpers that keep a token per
/// server read it), and returns what it printed.
fn token_from_helper(helper: &Path, addr: &str) -> Result<String, VaultError> {
    let failed = |reason: String| VaultError::TokenHelper {
        helper: helper.display().to_string(),
        reason,
    };
    let output = Command::new(helper)
        .arg("get")
        .env("VAULT_ADDR", addr)
        .env("BAO_ADDR", addr)
        .stdin(std::process::Stdio::null())
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
    use std::sync::Mutex;

    /// Scripts are written and run one test at a time: a process forked by
    /// another thread while a script is open for writing makes running it
    /// fail with "text file busy".
    static SCRIPTS: Mutex<()> = Mutex::new(());

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
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

    fn vault_addr(addr: &str) -> VaultConfig {
        VaultConfig {
            addr: Some(addr.into()),
            ..Default::default()
        }
    }

    fn resolved(pairs: &[(&str, &str)], home: Option<&Path>) -> VaultSettings {
        resolve_settings(&env_of(pairs), home, &VaultConfig::default())
            .expect("resolves")
            .expect("Vault is on")
    }

    /// An executable `sh` script `name` in `dir` running `body`.
    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write the script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    #[test]
    fn openbao_names_win_over_vault_names_one_by_one() {
        let got = resolved(
            &[
                ("BAO_ADDR", "https://bao.example:8200"),
                ("VAULT_ADDR", "https://vault.example:8200"),
                ("VAULT_TOKEN", "s.vault"),
                ("BAO_NAMESPACE", "team-a"),
                ("VAULT_NAMESPACE", "team-b"),
                ("VAULT_CACERT", "/etc/vault-ca.pem"),
            ],
            None,
        );
        assert_eq!(got.addr, "https://bao.example:8200");
        assert_eq!(got.token, "s.vault", "no BAO_TOKEN: VAULT_TOKEN is used");
        assert_eq!(got.namespace.as_deref(), Some("team-a"));
        assert_eq!(got.cacert.as_deref(), Some(Path::new("/etc/vault-ca.pem")));
        let vault_only = resolved(
            &[
                ("BAO_ADDR", " "),
                ("VAULT_ADDR", "https://vault.example:8200"),
                ("BAO_TOKEN", "s.bao"),
                ("VAULT_TOKEN", "s.vault"),
            ],
            None,
        );
        assert_eq!(
            vault_only.addr, "https://vault.example:8200",
            "an empty BAO_ADDR counts as unset"
        );
        assert_eq!(vault_only.token, "s.bao");
    }

    #[test]
    fn skip_verify_is_read_as_the_cli_reads_it_and_bad_values_are_refused() {
        let base = [("VAULT_ADDR", "https://v:8200"), ("VAULT_TOKEN", "t")];
        let with = |extra: &[(&str, &str)]| {
            let pairs: Vec<(&str, &str)> = base.iter().chain(extra).copied().collect();
            resolve_settings(&env_of(&pairs), None, &VaultConfig::default())
                .map(|s| s.expect("on").skip_verify)
        };
        assert!(!with(&[]).expect("ok"), "verified by default");
        for yes in ["true", "1", "t", "TRUE", "True"] {
            assert!(with(&[("VAULT_SKIP_VERIFY", yes)]).expect("ok"), "{yes}");
        }
        assert!(with(&[("BAO_SKIP_VERIFY", "1")]).expect("ok"));
        assert!(!with(&[("VAULT_SKIP_VERIFY", "false")]).expect("ok"));
        assert!(
            !with(&[("BAO_SKIP_VERIFY", "false"), ("VAULT_SKIP_VERIFY", "true")]).expect("ok"),
            "BAO_SKIP_VERIFY wins"
        );
        let err = with(&[("VAULT_SKIP_VERIFY", "yes please")]).expect_err("not a boolean");
        assert_eq!(
            err.to_string(),
            "Vault setting VAULT_SKIP_VERIFY is \"yes please\", not true or false"
        );
    }

    #[test]
    fn a_client_certificate_needs_its_key() {
        let home = Path::new("/home/alice");
        let got = resolved(
            &[
                ("VAULT_ADDR", "https://v:8200"),
                ("VAULT_TOKEN", "t"),
                ("VAULT_CLIENT_CERT", "~/certs/alice.pem"),
                ("BAO_CLIENT_KEY", "/keys/alice-key.pem"),
            ],
            Some(home),
        );
        assert_eq!(
            got.client_certificate,
            Some(ClientCertificate {
                cert: PathBuf::from("/home/alice/certs/alice.pem"),
                key: PathBuf::from("/keys/alice-key.pem"),
            })
        );
        let err = resolve_settings(
            &env_of(&[
                ("VAULT_ADDR", "https://v:8200"),
                ("VAULT_TOKEN", "t"),
                ("BAO_CLIENT_CERT", "/c.pem"),
            ]),
            None,
            &VaultConfig::default(),
        )
        .expect_err("no key");
        assert!(
            err.to_string()
                .starts_with("Vault setting BAO_CLIENT_CERT is set but no client key is"),
            "{err}"
        );
    }

    #[test]
    fn the_token_helper_of_the_cli_config_is_asked_for_the_token() {
        let _one_at_a_time = SCRIPTS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let home = tempfile::tempdir().expect("tempdir");
        std::fs::write(home.path().join(".vault-token"), "s.fromfile").expect("write");
        // The helper is told which server the token is for, as the CLI tells it.
        let helper = script(
            home.path(),
            "helper",
            r#"[ "$1" = get ] && echo "s.helper-for-$VAULT_ADDR""#,
        );
        std::fs::write(
            home.path().join(".vault"),
            format!(
                "# the vault CLI's config\ntoken_helper = \"{}\"\n",
                helper.display()
            ),
        )
        .expect("write ~/.vault");
        let file = vault_addr("https://vault.example:8200");
        let got = resolve_settings(&env_of(&[]), Some(home.path()), &file)
            .expect("ok")
            .expect("on");
        assert_eq!(got.token, "s.helper-for-https://vault.example:8200");
        // VAULT_TOKEN still wins over any helper.
        let got = resolve_settings(
            &env_of(&[("VAULT_TOKEN", "s.env")]),
            Some(home.path()),
            &file,
        )
        .expect("ok")
        .expect("on");
        assert_eq!(got.token, "s.env");
        // ~/.bao wins over ~/.vault, and BAO_CONFIG_PATH over both.
        let bao_helper = script(home.path(), "bao-helper", "echo s.bao-helper");
        std::fs::write(
            home.path().join(".bao"),
            format!("{{\"token_helper\": \"{}\"}}", bao_helper.display()),
        )
        .expect("write ~/.bao");
        let got = resolve_settings(&env_of(&[]), Some(home.path()), &file)
            .expect("ok")
            .expect("on");
        assert_eq!(got.token, "s.bao-helper");
        let elsewhere = home.path().join("elsewhere.hcl");
        std::fs::write(&elsewhere, "token_helper = \"~/helper\"\n").expect("write");
        let env = env_of(&[("BAO_CONFIG_PATH", elsewhere.to_str().expect("utf-8"))]);
        let got = resolve_settings(&env, Some(home.path()), &file)
            .expect("ok")
            .expect("on");
        assert!(got.token.starts_with("s.helper-for-"), "{}", got.token);
        // kubevigil's own [vault] token_helper wins over the CLI's.
        let own = script(home.path(), "own-helper", "echo s.own");
        let with_own = VaultConfig {
            token_helper: Some(own),
            ..file.clone()
        };
        let got = resolve_settings(&env_of(&[]), Some(home.path()), &with_own)
            .expect("ok")
            .expect("on");
        assert_eq!(got.token, "s.own");
    }

    #[test]
    fn a_failing_or_silent_token_helper_is_reported_not_replaced_by_the_token_file() {
        let _one_at_a_time = SCRIPTS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let home = tempfile::tempdir().expect("tempdir");
        std::fs::write(home.path().join(".vault-token"), "s.fromfile").expect("write");
        let failing = script(home.path(), "failing", "echo 'not logged in' >&2; exit 2");
        std::fs::write(
            home.path().join(".vault"),
            format!("token_helper = \"{}\"", failing.display()),
        )
        .expect("write ~/.vault");
        let file = vault_addr("https://vault.example:8200");
        let err = resolve_settings(&env_of(&[]), Some(home.path()), &file).expect_err("fails");
        assert!(matches!(err, VaultError::TokenHelper { .. }), "{err}");
        assert!(err.to_string().contains("not logged in"), "{err}");
        let silent = script(home.path(), "silent", "exit 0");
        std::fs::write(
            home.path().join(".vault"),
            format!("token_helper = \"{}\"", silent.display()),
        )
        .expect("write ~/.vault");
        let err = resolve_settings(&env_of(&[]), Some(home.path()), &file).expect_err("no token");
        assert!(matches!(err, VaultError::NoToken { .. }), "{err}");
    }

    #[test]
    fn the_token_helper_line_is_found_in_hcl_and_json() {
        assert_eq!(
            token_helper_in("token_helper = \"/usr/local/bin/helper\"\n").as_deref(),
            Some("/usr/local/bin/helper")
        );
        assert_eq!(
            token_helper_in("# comment\n  token_helper=\"/a b/c\"  # trailing").as_deref(),
            Some("/a b/c")
        );
        assert_eq!(
            token_helper_in("{\n  \"token_helper\": \"C:\\\\helper\"\n}").as_deref(),
            Some("C:\\helper")
        );
        assert_eq!(token_helper_in("# token_helper = \"/x\"\n"), None);
        assert_eq!(token_helper_in("other = 1\n"), None);
    }
}
