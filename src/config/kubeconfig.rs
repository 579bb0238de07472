//! Finding and reading the kubeconfig as kubectl does.
//!
//! `--kubeconfig FILE` names one file. Without it, `KUBECONFIG` lists files
//! separated by the platform's path separator (`:` on Unix); empty entries
//! (`KUBECONFIG=`, `a::b`, a trailing `:`) are ignored, files that do not
//! exist are skipped as kubectl skips them, and the rest are merged by kube's
//! own rules ([`Kubeconfig::merge`]: the first file to set a value wins).
//! Without either, `~/.kube/config`. [`KubeconfigFiles::read`] can be called
//! again at any time to pick up changed files (`:ctx` does).

use kube::config::Kubeconfig;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

pub use crate::error::KubeconfigError;

/// Where the kubeconfig comes from: the files, in order, that are read and merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeconfigFiles {
    /// `--kubeconfig`: exactly this file.
    explicit: Option<PathBuf>,
    /// The files `KUBECONFIG` lists, empty entries dropped.
    listed: Vec<PathBuf>,
    /// `~/.kube/config`, when there is a home directory.
    default: Option<PathBuf>,
}

impl KubeconfigFiles {
    /// The files `--kubeconfig` (when given), else `KUBECONFIG`, else
    /// `~/.kube/config` name, from this process's environment.
    pub fn discover(explicit: Option<PathBuf>) -> KubeconfigFiles {
        KubeconfigFiles::with_env(
            explicit,
            std::env::var_os("KUBECONFIG"),
            std::env::home_dir(),
        )
    }

    /// [`KubeconfigFiles::discover`] with the environment given: the value of
    /// `KUBECONFIG` and the home directory.
    pub fn with_env(
        explicit: Option<PathBuf>,
        kubeconfig_env: Option<OsString>,
        home: Option<PathBuf>,
    ) -> KubeconfigFiles {
        let listed = kubeconfig_env
            .map(|value| {
                std::env::split_paths(&value)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        KubeconfigFiles {
            explicit,
            listed,
            default: home.map(|h| h.join(".kube").join("config")),
        }
    }

    /// The files that will be read, in merge order.
    pub fn paths(&self) -> Vec<PathBuf> {
        if let Some(explicit) = &self.explicit {
            return vec![explicit.clone()];
        }
        if !self.listed.is_empty() {
            return self.listed.clone();
        }
        self.default.iter().cloned().collect()
    }

    /// Reads the files now and merges them. An explicit `--kubeconfig` must
    /// exist; of a `KUBECONFIG` list, missing files are skipped (at least one
    /// must exist).
    pub fn read(&self) -> Result<Kubeconfig, KubeconfigError> {
        let paths = self.paths();
        if paths.is_empty() {
            return Err(KubeconfigError::Missing(
                "there is no home directory for ~/.kube/config; pass --kubeconfig FILE or set KUBECONFIG"
                    .into(),
            ));
        }
        let skip_missing = self.explicit.is_none() && !self.listed.is_empty();
        let mut merged: Option<Kubeconfig> = None;
        for path in &paths {
            if skip_missing && !path.exists() {
                continue;
            }
            let next = read_one(path)?;
            merged = Some(match merged {
                None => next,
                Some(sofar) => sofar.merge(next).map_err(|e| KubeconfigError::Unreadable {
                    path: path.display().to_string(),
                    message: format!("does not merge with the files before it: {e}"),
                })?,
            });
        }
        merged.ok_or_else(|| {
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            KubeconfigError::Missing(format!(
                "KUBECONFIG names {}, none of which exists",
                names.join(", ")
            ))
        })
    }
}

fn read_one(path: &Path) -> Result<Kubeconfig, KubeconfigError> {
    match std::fs::metadata(path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(KubeconfigError::Missing(format!(
                "{} does not exist",
                path.display()
            )));
        }
        Ok(meta) if meta.is_dir() => {
            return Err(KubeconfigError::Unreadable {
                path: path.display().to_string(),
                message: "is a directory, not a file".into(),
            });
        }
        _ => {}
    }
    Kubeconfig::read_from(path).map_err(|error| KubeconfigError::Unreadable {
        path: path.display().to_string(),
        message: kube_reason(&error),
    })
}

/// kube's reason on one line, without the path it repeats or the YAML
/// parser's excerpt of the file.
fn kube_reason(error: &kube::config::KubeconfigError) -> String {
    let text = match error {
        kube::config::KubeconfigError::ReadConfig(source, _) => source.to_string(),
        other => other.to_string(),
    };
    let first = text.lines().next().unwrap_or_default();
    first.replace(": error: ", ": ")
}

/// The named context's entry, when the kubeconfig has it.
fn context_entry<'k>(
    kubeconfig: &'k Kubeconfig,
    context: &str,
) -> Option<&'k kube::config::Context> {
    kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
}

/// The default namespace of `context` (kubectl's `namespace:` of the
/// context), when it sets one.
pub fn context_namespace(kubeconfig: &Kubeconfig, context: &str) -> Option<String> {
    context_entry(kubeconfig, context)
        .and_then(|c| c.namespace.clone())
        .filter(|ns| !ns.trim().is_empty())
}

/// The user `context` names, when it names one.
pub fn context_user(kubeconfig: &Kubeconfig, context: &str) -> Option<String> {
    context_entry(kubeconfig, context)
        .and_then(|c| c.user.clone())
        .filter(|u| !u.is_empty())
}

/// The API server URL of `context`'s cluster, when the kubeconfig has it.
pub fn context_server(kubeconfig: &Kubeconfig, context: &str) -> Option<String> {
    let cluster = context_entry(kubeconfig, context)?.cluster.clone();
    kubeconfig
        .clusters
        .iter()
        .find(|c| c.name == cluster)
        .and_then(|c| c.cluster.as_ref())
        .and_then(|c| c.server.clone())
        .filter(|s| !s.is_empty())
}

/// The names of every context, in the kubeconfig's order.
pub fn context_names(kubeconfig: &Kubeconfig) -> Vec<String> {
    kubeconfig.contexts.iter().map(|c| c.name.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(
        cluster: &str,
        server: &str,
        context: &str,
        namespace: Option<&str>,
        current: Option<&str>,
    ) -> String {
        let namespace = namespace
            .map(|ns| format!("    namespace: {ns}\n"))
            .unwrap_or_default();
        let current = current
            .map(|c| format!("current-context: {c}\n"))
            .unwrap_or_default();
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: {cluster}\n  cluster:\n    server: {server}\ncontexts:\n- name: {context}\n  context:\n    cluster: {cluster}\n    user: {context}-user\n{namespace}users:\n- name: {context}-user\n  user:\n    token: t-{context}\n{current}"
        )
    }

    struct Dir {
        dir: tempfile::TempDir,
    }

    impl Dir {
        fn new() -> Dir {
            Dir {
                dir: tempfile::tempdir().expect("tempdir"),
            }
        }
        fn file(&self, name: &str, text: &str) -> PathBuf {
            let path = self.dir.path().join(name);
            std::fs::write(&path, text).expect("write");
            path
        }
        fn env(&self, paths: &[&str]) -> OsString {
            let joined: Vec<String> = paths
                .iter()
                .map(|p| {
                    if p.is_empty() {
                        String::new()
                    } else {
                        self.dir.path().join(p).display().to_string()
                    }
                })
                .collect();
            OsString::from(joined.join(":"))
        }
    }

    #[test]
    fn two_files_merge_and_the_first_to_set_a_value_wins() {
        let d = Dir::new();
        d.file(
            "a",
            &config("prod", "https://prod:6443", "prod", None, Some("prod")),
        );
        d.file(
            "b",
            &config("dev", "https://dev:6443", "dev", Some("team"), Some("dev")),
        );
        let files = KubeconfigFiles::with_env(None, Some(d.env(&["a", "b"])), None);
        let merged = files.read().expect("merged");
        assert_eq!(context_names(&merged), ["prod", "dev"]);
        assert_eq!(
            merged.current_context.as_deref(),
            Some("prod"),
            "the first file's current context"
        );
        assert_eq!(
            context_server(&merged, "dev").as_deref(),
            Some("https://dev:6443")
        );
        assert_eq!(context_namespace(&merged, "dev").as_deref(), Some("team"));
        assert_eq!(context_namespace(&merged, "prod"), None);
        assert_eq!(context_user(&merged, "dev").as_deref(), Some("dev-user"));
    }

    #[test]
    fn empty_and_trailing_separators_are_ignored() {
        let d = Dir::new();
        d.file(
            "a",
            &config("prod", "https://prod:6443", "prod", None, Some("prod")),
        );
        d.file("b", &config("dev", "https://dev:6443", "dev", None, None));
        for env in [
            d.env(&["a", ""]),
            d.env(&["", "a", "", "b", ""]),
            d.env(&["a", "b", ""]),
        ] {
            let merged = KubeconfigFiles::with_env(None, Some(env.clone()), None)
                .read()
                .unwrap_or_else(|e| panic!("{env:?}: {e}"));
            assert_eq!(merged.current_context.as_deref(), Some("prod"), "{env:?}");
        }
        let files = KubeconfigFiles::with_env(None, Some(d.env(&["", "b", ""])), None);
        assert_eq!(files.paths(), vec![d.dir.path().join("b")]);
    }

    #[test]
    fn an_empty_kubeconfig_variable_means_the_default_file() {
        let home = Dir::new();
        std::fs::create_dir_all(home.dir.path().join(".kube")).expect("mkdir");
        home.file(
            ".kube/config",
            &config(
                "home",
                "https://home:6443",
                "home",
                Some("ops"),
                Some("home"),
            ),
        );
        for env in [
            None,
            Some(OsString::new()),
            Some(OsString::from(":")),
            Some(OsString::from("::")),
        ] {
            let files =
                KubeconfigFiles::with_env(None, env.clone(), Some(home.dir.path().to_owned()));
            let read = files.read().unwrap_or_else(|e| panic!("{env:?}: {e}"));
            assert_eq!(read.current_context.as_deref(), Some("home"), "{env:?}");
            assert_eq!(context_namespace(&read, "home").as_deref(), Some("ops"));
        }
    }

    #[test]
    fn the_flag_overrides_the_variable_and_must_exist() {
        let d = Dir::new();
        d.file(
            "a",
            &config("prod", "https://prod:6443", "prod", None, Some("prod")),
        );
        let flag = d.file(
            "flag",
            &config("lab", "https://lab:6443", "lab", None, Some("lab")),
        );
        let files = KubeconfigFiles::with_env(Some(flag), Some(d.env(&["a"])), None);
        assert_eq!(context_names(&files.read().expect("read")), ["lab"]);
        let missing =
            KubeconfigFiles::with_env(Some(d.dir.path().join("nope")), Some(d.env(&["a"])), None);
        let error = missing
            .read()
            .expect_err("a missing --kubeconfig is an error")
            .to_string();
        assert!(error.ends_with("nope does not exist"), "{error}");
    }

    #[test]
    fn missing_files_in_the_list_are_skipped_unless_all_are_missing() {
        let d = Dir::new();
        d.file(
            "b",
            &config("dev", "https://dev:6443", "dev", None, Some("dev")),
        );
        let files = KubeconfigFiles::with_env(None, Some(d.env(&["gone", "b"])), None);
        assert_eq!(context_names(&files.read().expect("read")), ["dev"]);
        let none = KubeconfigFiles::with_env(None, Some(d.env(&["gone", "also-gone"])), None);
        let error = none.read().expect_err("nothing to read").to_string();
        assert!(
            error.starts_with("no kubeconfig found: KUBECONFIG names "),
            "{error}"
        );
        assert!(error.ends_with("none of which exists"), "{error}");
    }

    #[test]
    fn a_file_that_does_not_parse_names_itself() {
        let d = Dir::new();
        let bad = d.file("bad", "clusters: [this is not\n");
        let error = KubeconfigFiles::with_env(Some(bad.clone()), None, None)
            .read()
            .expect_err("not YAML")
            .to_string();
        assert!(
            error.starts_with(&format!("kubeconfig {}: ", bad.display())),
            "{error}"
        );
        assert!(
            error.ends_with("line 1 column 11: unclosed bracket '['"),
            "{error}"
        );
        assert!(!error.contains('\n'), "one line: {error}");
    }

    #[test]
    fn files_are_read_again_each_time() {
        let d = Dir::new();
        let path = d.file(
            "a",
            &config("prod", "https://prod:6443", "prod", None, Some("prod")),
        );
        let files = KubeconfigFiles::with_env(Some(path.clone()), None, None);
        assert_eq!(
            context_namespace(&files.read().expect("read"), "prod"),
            None
        );
        std::fs::write(
            &path,
            config(
                "prod",
                "https://prod:6443",
                "prod",
                Some("payments"),
                Some("prod"),
            ),
        )
        .expect("rewrite");
        assert_eq!(
            context_namespace(&files.read().expect("read"), "prod").as_deref(),
            Some("payments")
        );
    }
}
