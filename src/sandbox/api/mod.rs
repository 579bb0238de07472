//! The Kubernetes API emulator: an HTTP/1.1 server on loopback that behaves
//! like kube-apiserver wherever kubevigil and kubectl depend on it (see
//! `docs/sandbox.md`, "API emulator").
//!
//! ```no_run
//! # async fn demo() -> Result<(), kubevigil::sandbox::api::ApiError> {
//! use kubevigil::sandbox::api::{ApiConfig, ApiServer};
//! let server = ApiServer::start(ApiConfig::default()).await?;
//! let client = server.client("oncall-1")?;
//! std::fs::write("/tmp/kubeconfig", server.kubeconfig_yaml("oncall-1")).ok();
//! # drop(client);
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod admission;
mod age;
mod auth;
mod call;
mod config;
mod controllers;
mod create;
mod defaults;
mod delete;
mod discovery;
mod error;
mod field_validation;
mod gc;
mod gnostic;
mod job_controller;
mod job_timers;
mod kubeconfig;
mod listener;
mod logs;
mod managed;
mod metadata_validation;
mod object;
mod openapi;
mod patch;
mod path;
mod pod_defaults;
mod printers;
mod protobuf;
pub mod rbac;
mod read;
mod representation;
mod resource;
mod reviews;
mod routes;
mod rules_review;
mod scale;
mod schemas;
mod selector;
mod status;
mod store;
mod strategic;
mod stream;
mod tls;
mod validation;
mod watch;
mod write;

pub use auth::{AGENT_USER, GOVERNOR_USER};
pub use config::ApiConfig;
pub use error::ApiError;

use auth::Users;
use logs::LogStore;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use store::Store;
use tokio::task::JoinHandle;

/// How long `shutdown` waits for open connections before cutting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// What every request handler shares.
pub(crate) struct Inner {
    /// The objects.
    store: Store,
    /// The pods' output.
    logs: LogStore,
    /// Users and tokens.
    users: Users,
    /// The settings it was started with.
    config: ApiConfig,
    /// Where it listens.
    address: SocketAddr,
    /// Set to true when the server shuts down; open streams end.
    shutdown: tokio::sync::watch::Sender<bool>,
}

/// A running emulator. Clones share the same server.
#[derive(Clone)]
pub struct ApiServer {
    inner: Arc<Inner>,
    task: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl std::fmt::Debug for ApiServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiServer")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl ApiServer {
    /// Starts the emulator on 127.0.0.1 (port 0 picks a free port).
    pub async fn start(config: ApiConfig) -> Result<ApiServer, ApiError> {
        let bind_error = |source| ApiError::Bind {
            port: config.port,
            source,
        };
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(bind_error)?;
        let address = listener.local_addr().map_err(bind_error)?;
        let listener =
            listener::DualListener::new(listener, tls::server_config()?).map_err(bind_error)?;
        let (shutdown, mut shutdown_signal) = tokio::sync::watch::channel(false);
        let inner = Arc::new(Inner {
            store: Store::new(config.watch_history),
            logs: LogStore::new(config.log_lines_per_pod),
            users: Users::generate(),
            config,
            address,
            shutdown,
        });
        let app = routes::router(inner.clone());
        tokio::spawn(controllers::run(inner.clone()));
        let task = tokio::spawn(async move {
            let stopped = async move {
                // An error means the sender is gone: stop as well.
                let _ = shutdown_signal.wait_for(|stop| *stop).await;
            };
            if let Err(error) = axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
            {
                tracing::warn!(%error, "sandbox API server stopped");
            }
        });
        tracing::info!(%address, "sandbox API server listening");
        Ok(ApiServer {
            inner,
            task: Arc::new(Mutex::new(Some(task))),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT` (plain HTTP, for kube clients).
    pub fn url(&self) -> String {
        format!("http://{}", self.inner.address)
    }

    /// The bearer token of a sandbox user (`oncall-1`, `oncall-2`, `viewer`,
    /// `payments-dev`, [`AGENT_USER`] or [`GOVERNOR_USER`]).
    pub fn token_for(&self, user: &str) -> Option<String> {
        self.inner.users.token_for(user)
    }

    /// Registers user `name` in `groups` (and `system:authenticated`) whose
    /// rights are exactly the RBAC `grants` (see [`rbac::Grants::bound_to`]
    /// to take them from manifests such as `assets/rbac/`); returns its bearer
    /// token. [`Self::client`] then works for `name`. A name already taken is
    /// refused: the built-in users never change.
    pub fn add_user(
        &self,
        name: &str,
        groups: &[&str],
        grants: rbac::Grants,
    ) -> Result<String, rbac::RbacError> {
        self.inner
            .users
            .register(name, groups, auth::Rights::Rules(grants))
            .ok_or_else(|| rbac::RbacError::UserExists(name.to_string()))
    }

    /// The sandbox user names.
    pub fn users(&self) -> Vec<String> {
        self.inner.users.names()
    }

    /// The same server over TLS, `https://127.0.0.1:PORT` (what kubeconfigs use:
    /// kubectl sends credentials only over TLS).
    pub fn https_url(&self) -> String {
        format!("https://{}", self.inner.address)
    }

    /// A kubeconfig with cluster `kubevigil-sandbox` (HTTPS, trusting the
    /// sandbox CA) and the contexts `oncall-1`, `oncall-2`, `viewer`, `agent`,
    /// `governor` and `payments-dev`; `current_context` names a context or a
    /// user (default `oncall-1`).
    pub fn kubeconfig_yaml(&self, current_context: &str) -> String {
        kubeconfig::render(&self.https_url(), &self.inner.users, current_context)
    }

    /// A `kube::Config` that authenticates as `user` with its bearer token.
    pub fn client_config(&self, user: &str) -> Result<kube::Config, ApiError> {
        let token = self
            .token_for(user)
            .ok_or_else(|| ApiError::UnknownUser(user.to_string()))?;
        let mut config = kube::Config::new(self.url().parse()?);
        config.auth_info.token = Some(token.into());
        Ok(config)
    }

    /// A `kube::Client` that authenticates as `user`.
    pub fn client(&self, user: &str) -> Result<kube::Client, ApiError> {
        Ok(kube::Client::try_from(self.client_config(user)?)?)
    }

    /// The container runtime: `pod` in `namespace` printed `line` (stamped now).
    /// Open `follow` streams receive it at once. The pod need not exist yet.
    pub fn append_log(&self, namespace: &str, pod: &str, line: &str) {
        self.inner
            .logs
            .append(object::ObjectKey::new(namespace, pod), line);
    }

    /// Test hook: forgets the watch history, so that a watch from any earlier
    /// resourceVersion receives 410 Gone.
    pub fn compact_history(&self) {
        self.inner.store.write().compact();
    }

    /// Stores objects directly (no HTTP, no admission): fast bulk seeding.
    /// Each object needs `apiVersion`, `kind` and `metadata.name` (and
    /// `metadata.namespace` when namespaced); uid, creationTimestamp and
    /// generation are filled in when missing, and a resourceVersion is always
    /// assigned. Objects of kinds the emulator does not serve are skipped.
    pub fn seed(&self, objects: Vec<Value>) {
        let mut state = self.inner.store.write();
        for mut object in objects {
            let api_version = object
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or("");
            let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
            let Some(id) = resource::by_kind(api_version, kind) else {
                tracing::warn!(api_version, kind, "seed: kind not served, skipped");
                continue;
            };
            if object::name(&object).is_empty() {
                tracing::warn!(kind, "seed: object without metadata.name, skipped");
                continue;
            }
            let namespaced = resource::get(id).namespaced;
            let metadata = object::metadata_mut(&mut object);
            if !namespaced {
                metadata.remove("namespace");
            }
            let missing = |m: &serde_json::Map<String, Value>, field: &str| {
                m.get(field)
                    .is_none_or(|v| v.is_null() || v.as_str() == Some(""))
            };
            if missing(metadata, "uid") {
                metadata.insert("uid".into(), object::new_uid().into());
            }
            if missing(metadata, "creationTimestamp") {
                metadata.insert("creationTimestamp".into(), object::now_rfc3339().into());
            }
            if !metadata.contains_key("generation") {
                metadata.insert("generation".into(), 1.into());
            }
            defaults::on_seed(resource::get(id), &mut object);
            let namespace = object::namespace(&object).to_string();
            if namespaced {
                state.ensure_namespace(&namespace);
            }
            state.put(id, object);
        }
    }

    /// Runs the world's controllers `passes` times now, back to back (a
    /// Deployment settles in a few passes), instead of waiting for their
    /// once-a-second tick: what the sandbox does after building its world.
    pub fn settle(&self, passes: usize) {
        for _ in 0..passes {
            controllers::tick(&self.inner, jiff::Timestamp::now());
        }
    }

    /// Stops listening, ends open watches and log streams, and waits (briefly)
    /// for connections to close.
    pub async fn shutdown(self) {
        self.inner.shutdown.send_replace(true);
        let task = self
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(mut task) = task
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}
