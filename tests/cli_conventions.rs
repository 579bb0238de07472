//! The command line as a kubectl user expects it: the kubeconfig found and
//! merged as kubectl does, one `error:` line (and a hint) on stderr without
//! colour or Debug dumps, exit codes 0/1/2, flags only where they mean
//! something, numbers validated, and `audit export` scoped by `-n` and by the
//! context's namespace. Each case runs the built binary, stderr compared byte
//! for byte.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::pty::runtime;
use jiff::Timestamp;
use kubevigil::audit::{AUDIT_LABEL, AUDIT_RECORD_ANNOTATION, AuditAction, AuditRecord};
use kubevigil::sandbox::api::{ApiConfig, ApiServer};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// A home of its own for each run: no real kubeconfig, config or audit log.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).expect("write");
        path
    }

    /// Runs `kubevigil args` with this home, stdin closed, stdout and stderr
    /// captured (so not a terminal), `KUBECONFIG` as given (unset: `None`).
    fn run(&self, args: &[&str], kubeconfig_env: Option<&str>) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kubevigil"));
        command
            .args(args)
            .env_remove("KUBECONFIG")
            .env_remove("NO_COLOR")
            .env_remove("RUST_LOG")
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("TERM", "xterm-256color")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for var in ["VAULT_ADDR", "VAULT_TOKEN", "BAO_ADDR", "BAO_TOKEN"] {
            command.env_remove(var);
        }
        if let Some(value) = kubeconfig_env {
            command.env("KUBECONFIG", value);
        }
        command.output().expect("run kubevigil")
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts the exit code and the whole of stderr.
#[track_caller]
fn assert_fails(output: &Output, code: i32, expected_stderr: &str) {
    assert_eq!(
        stderr(output),
        expected_stderr,
        "stderr (exit {:?})",
        output.status.code()
    );
    assert_eq!(output.status.code(), Some(code), "exit code");
    assert!(
        !output.stderr.contains(&0x1b),
        "no colour when stderr is not a terminal"
    );
}

/// A kubeconfig with one context `name` at `server` with a token.
fn kubeconfig(name: &str, server: &str, token: &str, namespace: Option<&str>) -> String {
    let namespace = namespace
        .map(|ns| format!("    namespace: {ns}\n"))
        .unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: {name}\n  cluster:\n    server: {server}\ncontexts:\n- name: {name}\n  context:\n    cluster: {name}\n    user: {name}\n{namespace}users:\n- name: {name}\n  user:\n    token: {token}\ncurrent-context: {name}\n"
    )
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}

/// A plain HTTP server that is not Kubernetes: every request gets `status`
/// with an HTML page. Runs until the test ends.
fn web_server(status: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let body = "<html><head><title>Not here</title></head><body><h1>Nothing to see</h1></body></html>";
            let reply = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    port
}

/// An audit record as kubevigil posts it with an Event, made in `namespace`.
fn audit_event(namespace: &str, name: &str, actor: &str) -> serde_json::Value {
    let record = AuditRecord {
        at: Timestamp::now(),
        actor: actor.into(),
        verified: true,
        action: AuditAction::Veto,
        namespace: namespace.into(),
        object: format!("actionproposal/{name}"),
        investigation: Some(format!("inv-{name}")),
        reason: Some("not at 2 AM".into()),
        edited: false,
        context: Some("prod".into()),
        server: None,
        detail: None,
    };
    json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {
            "name": format!("{name}.audit"), "namespace": namespace,
            "labels": {AUDIT_LABEL: "true"},
            "annotations": {AUDIT_RECORD_ANNOTATION: serde_json::to_string(&record).expect("json")},
        },
        "involvedObject": {"kind": "ActionProposal", "name": name, "namespace": namespace},
        "reason": "Vetoed", "message": "vetoed", "type": "Warning",
    })
}

/// The API emulator with one audit record in `payments` and one in `checkout`.
fn emulator_with_audit() -> (tokio::runtime::Runtime, ApiServer) {
    let runtime = runtime();
    let server = runtime
        .block_on(ApiServer::start(ApiConfig::default()))
        .expect("the emulator starts");
    server.seed(vec![
        audit_event("payments", "raise-mem", "oncall-1"),
        audit_event("checkout", "restart-cart", "oncall-2"),
    ]);
    (runtime, server)
}

/// `host:port` of the emulator.
fn address(server: &ApiServer) -> String {
    server.url().trim_start_matches("http://").to_string()
}

/// The namespaces of the exported JSON lines, in order.
fn exported_namespaces(output: &Output) -> Vec<String> {
    stdout(output)
        .lines()
        .map(|line| {
            let record: AuditRecord = serde_json::from_str(line).expect("a JSON audit record");
            record.namespace
        })
        .collect()
}

#[test]
fn a_closed_port_is_named_with_its_cause() {
    let home = Home::new();
    let port = closed_port();
    let config = home.write(
        "kubeconfig",
        &kubeconfig("lab", &format!("http://127.0.0.1:{port}"), "t", None),
    );
    let output = home.run(
        &["audit", "export", "--kubeconfig", &config.to_string_lossy()],
        None,
    );
    assert_fails(
        &output,
        1,
        &format!(
            "error: cannot reach the Kubernetes API at 127.0.0.1:{port} (context \"lab\"): connection refused\n\
             hint: is the cluster up, and is http://127.0.0.1:{port} the right server for context \"lab\"?\n"
        ),
    );
    assert_eq!(stdout(&output), "", "nothing exported");
}

#[test]
fn a_server_that_is_not_kubernetes_is_not_an_empty_audit_trail() {
    let home = Home::new();
    for (status, answered) in [
        ("404 Not Found", "GET /api answered 404 Not Found"),
        (
            "200 OK",
            "GET /api did not answer with a Kubernetes API document",
        ),
    ] {
        let port = web_server(status);
        let config = home.write(
            "kubeconfig",
            &kubeconfig("web", &format!("http://127.0.0.1:{port}"), "t", None),
        );
        let output = home.run(&["audit", "export"], Some(&config.to_string_lossy()));
        assert_fails(
            &output,
            1,
            &format!(
                "error: 127.0.0.1:{port} is not a Kubernetes API: {answered}\n\
                 hint: context \"web\" names http://127.0.0.1:{port} as its server: check the kubeconfig\n"
            ),
        );
        assert_eq!(stdout(&output), "");
    }
}

#[test]
fn rejected_credentials_and_forbidden_reads_are_one_line_each_without_debug_dumps() {
    let (_runtime, server) = emulator_with_audit();
    let home = Home::new();
    let at = address(&server);
    let wrong = home.write(
        "wrong-token",
        &kubeconfig("prod", &server.url(), "not-a-token", None),
    );
    let output = home.run(&["audit", "export"], Some(&wrong.to_string_lossy()));
    assert_fails(
        &output,
        1,
        &format!(
            "error: {at} (context \"prod\") rejected the credentials of user \"prod\": Unauthorized (401)\n\
             hint: the token or certificate may have expired or been replaced (a restarted sandbox writes new ones): refresh the kubeconfig\n"
        ),
    );

    let sandbox = home.write("sandbox", &server.kubeconfig_yaml("payments-dev"));
    let output = home.run(
        &["audit", "export", "--context", "payments-dev", "-A"],
        Some(&sandbox.to_string_lossy()),
    );
    assert_fails(
        &output,
        1,
        "error: Forbidden (403): actionproposals.kubevigil.io is forbidden: User \"payments-dev\" cannot list resource \"actionproposals\" in API group \"kubevigil.io\" at the cluster scope\n\
         hint: user \"payments-dev\" may not read every namespace: pass -n NAMESPACE for one it may read\n",
    );
    let output = home.run(
        &[
            "audit",
            "export",
            "--context",
            "payments-dev",
            "-n",
            "checkout",
        ],
        Some(&sandbox.to_string_lossy()),
    );
    assert_fails(
        &output,
        1,
        "error: Forbidden (403): actionproposals.kubevigil.io is forbidden: User \"payments-dev\" cannot list resource \"actionproposals\" in API group \"kubevigil.io\" in the namespace \"checkout\"\n",
    );
}

#[test]
fn audit_export_honours_the_namespace_and_the_contexts_namespace() {
    let (_runtime, server) = emulator_with_audit();
    let home = Home::new();
    let at = address(&server);
    let sandbox = home.write("sandbox", &server.kubeconfig_yaml("viewer"));
    let env = Some(sandbox.to_string_lossy().into_owned());
    let env = env.as_deref();

    // viewer's context has no namespace: every namespace, as before.
    let all = home.run(&["audit", "export"], env);
    assert_eq!(
        stderr(&all),
        format!("kubevigil: exported 2 audit records from all namespaces of {at}\n")
    );
    assert_eq!(exported_namespaces(&all), ["payments", "checkout"]);
    assert_eq!(all.status.code(), Some(0));

    let payments = home.run(&["audit", "export", "-n", "payments"], env);
    assert_eq!(
        stderr(&payments),
        format!("kubevigil: exported 1 audit record from namespace payments of {at}\n")
    );
    assert_eq!(exported_namespaces(&payments), ["payments"]);
    let record: AuditRecord = serde_json::from_str(stdout(&payments).trim()).expect("record");
    assert_eq!(
        record.server.as_deref(),
        Some(server.https_url().as_str()),
        "a record names the cluster it was made on"
    );
    assert_eq!(
        record.context.as_deref(),
        Some("prod"),
        "and keeps its own context"
    );

    let csv = home.run(&["audit", "export", "-A", "--format", "csv"], env);
    let text = stdout(&csv);
    assert!(
        text.starts_with(
            "\"at\",\"actor\",\"verified\",\"action\",\"namespace\",\"object\",\"investigation\",\"reason\",\"edited\",\"context\",\"server\",\"detail\"\n"
        ),
        "{text}"
    );
    assert_eq!(text.lines().count(), 3, "{text}");

    // payments-dev starts in its context's namespace and may export it.
    let own = home.run(&["audit", "export", "--context", "payments-dev"], env);
    assert_eq!(
        stderr(&own),
        format!("kubevigil: exported 1 audit record from namespace payments of {at}\n")
    );
    assert_eq!(exported_namespaces(&own), ["payments"]);
    let explicit = home.run(
        &[
            "audit",
            "export",
            "--context",
            "payments-dev",
            "-n",
            "payments",
        ],
        env,
    );
    assert_eq!(exported_namespaces(&explicit), ["payments"]);
    assert_eq!(explicit.status.code(), Some(0));
}

#[test]
fn kubeconfig_lists_merge_as_kubectl_merges_them() {
    let (_runtime, server) = emulator_with_audit();
    let home = Home::new();
    let at = address(&server);
    // The first file names the current context; the second defines it.
    let first = home.write(
        "first",
        &kubeconfig(
            "lab",
            &format!("http://127.0.0.1:{}", closed_port()),
            "t",
            None,
        )
        .replace("current-context: lab", "current-context: payments-dev"),
    );
    let second = home.write("second", &server.kubeconfig_yaml("viewer"));
    let (first, second) = (first.to_string_lossy(), second.to_string_lossy());
    let exported = format!("kubevigil: exported 1 audit record from namespace payments of {at}\n");
    for list in [
        format!("{first}:{second}"),
        format!("{first}:{second}:"),
        format!(":{first}::{second}:"),
        format!("{first}:{}:{second}", home.path("missing").display()),
    ] {
        let output = home.run(&["audit", "export"], Some(&list));
        assert_eq!(stderr(&output), exported, "KUBECONFIG={list}");
        assert_eq!(output.status.code(), Some(0));
    }

    // --kubeconfig overrides the variable: one file, no merge.
    let output = home.run(&["audit", "export", "--kubeconfig", &first], Some(&second));
    assert_fails(
        &output,
        1,
        "error: kubeconfig: its current-context \"payments-dev\" is not one of its contexts: pass --context NAME\n",
    );

    // An empty variable means ~/.kube/config, as for kubectl.
    home.write(".kube/config", &server.kubeconfig_yaml("viewer"));
    for empty in ["", ":"] {
        let output = home.run(&["audit", "export"], Some(empty));
        assert_eq!(
            stderr(&output),
            format!("kubevigil: exported 2 audit records from all namespaces of {at}\n"),
            "KUBECONFIG={empty:?}"
        );
    }
    std::fs::remove_file(home.path(".kube/config")).expect("remove");
    let output = home.run(&["audit", "export"], Some(""));
    assert_fails(
        &output,
        1,
        &format!(
            "error: no kubeconfig found: {} does not exist\n\
             hint: pass --kubeconfig FILE or set KUBECONFIG; `kubevigil demo` needs no cluster\n",
            home.path(".kube/config").display()
        ),
    );
}

#[test]
fn sandbox_serve_writes_contexts_kubevigil_reads_and_stops_with_143_on_sigterm() {
    let home = Home::new();
    let kubeconfig = home.path("sandbox.kubeconfig");
    let mut serve = Command::new(env!("CARGO_BIN_EXE_kubevigil"))
        .args(["sandbox", "serve", "--port", "0", "--kubeconfig-out"])
        .arg(&kubeconfig)
        .env("HOME", home.dir.path())
        .env("XDG_DATA_HOME", home.path("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sandbox serve");
    let files = kubevigil::config::KubeconfigFiles::with_env(Some(kubeconfig.clone()), None, None);
    let started = std::time::Instant::now();
    // Read once it is there, whole.
    let read = loop {
        match files.read() {
            Ok(read) if read.current_context.is_some() => break read,
            _ => {
                assert!(
                    started.elapsed() < std::time::Duration::from_secs(60),
                    "the kubeconfig is written"
                );
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        }
    };
    use kubevigil::config::kubeconfig::{context_names, context_namespace};
    for context in ["oncall-1", "oncall-2", "viewer", "payments-dev"] {
        assert!(
            context_names(&read).iter().any(|c| c == context),
            "{context}"
        );
    }
    assert_eq!(context_namespace(&read, "oncall-1"), None);
    assert_eq!(
        context_namespace(&read, "payments-dev").as_deref(),
        Some("payments")
    );

    // payments-dev, through KUBECONFIG, exports its namespace.
    let output = home.run(
        &["audit", "export", "--context", "payments-dev"],
        Some(&kubeconfig.to_string_lossy()),
    );
    let err = stderr(&output);
    assert!(
        err.starts_with("kubevigil: exported ")
            && err.contains(" from namespace payments of 127.0.0.1:"),
        "{err}"
    );
    assert_eq!(output.status.code(), Some(0), "{err}");

    let status = Command::new("kill")
        .args(["-TERM", &serve.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = serve.wait().expect("serve ends");
    assert_eq!(exit.code(), Some(143), "128 + SIGTERM");
}

#[test]
fn numbers_are_validated_with_a_message() {
    let home = Home::new();
    for (value, why) in [
        ("nan", "NaN is not a number"),
        ("NaN", "NaN is not a number"),
        ("inf", "must be finite"),
        ("-inf", "must be finite"),
        ("1e308", "must be between 0.1 and 100"),
        ("0", "must be between 0.1 and 100"),
        ("-1", "must be between 0.1 and 100"),
        ("fast", "not a number"),
    ] {
        let output = home.run(&["demo", "--speed", value], None);
        assert_fails(
            &output,
            2,
            &format!(
                "error: invalid value '{value}' for '--speed <X>': {why}\nhint: see 'kubevigil demo --help'\n"
            ),
        );
        let output = home.run(
            &[
                "sandbox",
                "serve",
                "--kubeconfig-out",
                "/nonexistent/k",
                "--speed",
                value,
            ],
            None,
        );
        assert_fails(
            &output,
            2,
            &format!(
                "error: invalid value '{value}' for '--speed <X>': {why}\nhint: see 'kubevigil sandbox serve --help'\n"
            ),
        );
    }
    let output = home.run(&["demo", "--investigations", "100001"], None);
    assert_fails(
        &output,
        2,
        "error: invalid value '100001' for '--investigations <INVESTIGATIONS>': 100001 is not in 0..=100000\nhint: see 'kubevigil demo --help'\n",
    );
}

#[test]
fn flags_belong_to_the_commands_that_use_them() {
    let home = Home::new();
    for (args, command, flag) in [
        (
            &["crds", "--context", "x"][..],
            "kubevigil crds",
            "--context",
        ),
        (&["paths", "-n", "payments"], "kubevigil paths", "-n"),
        (
            &["demo", "--kubeconfig", "/k"],
            "kubevigil demo",
            "--kubeconfig",
        ),
        (
            &["sandbox", "serve", "--kubeconfig-out", "/k", "--readonly"],
            "kubevigil sandbox serve",
            "--readonly",
        ),
        (&["governor", "-n", "payments"], "kubevigil governor", "-n"),
    ] {
        let output = home.run(args, None);
        assert_fails(
            &output,
            2,
            &format!("error: unexpected argument '{flag}' found\nhint: see '{command} --help'\n"),
        );
    }
    let output = home.run(&["-n", "Payments"], None);
    assert_fails(
        &output,
        2,
        "error: invalid value 'Payments' for '--namespace <NAME>': \"Payments\" is not a namespace name (lowercase letters, digits and '-', at most 63)\nhint: see 'kubevigil --help'\n",
    );
    for ok in [
        &["--help"][..],
        &["--version"],
        &["audit", "export", "--help"],
    ] {
        let output = home.run(ok, None);
        assert_eq!(output.status.code(), Some(0), "{ok:?}: {}", stderr(&output));
    }
}

#[test]
fn the_console_says_it_needs_a_terminal() {
    let (_runtime, server) = emulator_with_audit();
    let home = Home::new();
    let sandbox = home.write("sandbox", &server.kubeconfig_yaml("viewer"));
    let expected = "error: the console needs a terminal: standard output is not a terminal\n\
                    hint: run it in a terminal (over ssh: ssh -t); `kubevigil audit export` works without one\n";
    let output = home.run(&[], Some(&sandbox.to_string_lossy()));
    assert_fails(&output, 1, expected);
    let output = home.run(&["demo"], None);
    assert_fails(&output, 1, expected);
}

#[test]
fn paths_shows_the_demos_own_audit_log() {
    let home = Home::new();
    let output = home.run(&["paths"], None);
    let data = home.path("data").join("kubevigil");
    let config = home.path("config").join("kubevigil");
    assert_eq!(
        stdout(&output),
        format!(
            "config file     {}\nthemes          {}\ndata            {}\naudit log       {}\ndemo audit log  {}\n",
            config.join("config.toml").display(),
            config.join("themes").display(),
            data.display(),
            data.join("audit.jsonl").display(),
            data.join("demo-audit.jsonl").display(),
        )
    );
    assert_eq!(output.status.code(), Some(0));
}
