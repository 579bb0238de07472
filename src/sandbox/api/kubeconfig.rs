//! A kubeconfig for kubectl (and kube's config loader) pointing at the emulator.

use super::auth::{AGENT_USER, GOVERNOR_USER, PAYMENTS, Users};
use super::tls;
use base64::Engine as _;

/// The cluster's name in the kubeconfig.
pub(crate) const CLUSTER: &str = "kubevigil-sandbox";

/// Contexts: (context name, user name, default namespace). Users who may
/// read every namespace have none (kubevigil then watches all of them);
/// `payments-dev` starts in the one namespace it may use.
const CONTEXTS: &[(&str, &str, &str)] = &[
    ("oncall-1", "oncall-1", ""),
    ("oncall-2", "oncall-2", ""),
    ("viewer", "viewer", ""),
    ("agent", AGENT_USER, ""),
    ("governor", GOVERNOR_USER, ""),
    ("payments-dev", "payments-dev", PAYMENTS),
];

/// The kubeconfig YAML: one cluster, one context and user per sandbox user.
pub(crate) fn render(server: &str, users: &Users, current_context: &str) -> String {
    let authority = base64::engine::general_purpose::STANDARD.encode(tls::CA_PEM.as_bytes());
    let mut yaml = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: {CLUSTER}\n  cluster:\n    server: {server}\n    certificate-authority-data: {authority}\ncontexts:\n"
    );
    for (context, user, namespace) in CONTEXTS {
        yaml.push_str(&format!(
            "- name: {context}\n  context:\n    cluster: {CLUSTER}\n    user: {user}\n"
        ));
        if !namespace.is_empty() {
            yaml.push_str(&format!("    namespace: {namespace}\n"));
        }
    }
    yaml.push_str("users:\n");
    for (_, user, _) in CONTEXTS {
        let token = users.token_for(user).unwrap_or_default();
        yaml.push_str(&format!(
            "- name: {user}\n  user:\n    token: \"{token}\"\n"
        ));
    }
    let current = CONTEXTS
        .iter()
        .find(|(context, user, _)| *context == current_context || *user == current_context)
        .map_or("oncall-1", |(context, _, _)| context);
    yaml.push_str(&format!("current-context: {current}\npreferences: {{}}\n"));
    yaml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeconfig_parses_and_selects_the_context() {
        let users = Users::generate();
        let yaml = render("http://127.0.0.1:1234", &users, "viewer");
        let config = kube::config::Kubeconfig::from_yaml(&yaml).unwrap();
        assert_eq!(config.current_context.as_deref(), Some("viewer"));
        assert_eq!(config.contexts.len(), 6);
        assert_eq!(config.clusters[0].name, CLUSTER);
        // Operators watch every namespace; payments-dev starts in its own.
        use crate::config::kubeconfig::context_namespace;
        assert_eq!(context_namespace(&config, "oncall-1"), None);
        assert_eq!(context_namespace(&config, "viewer"), None);
        assert_eq!(
            context_namespace(&config, "payments-dev").as_deref(),
            Some(PAYMENTS)
        );
        let by_user = render("http://x", &users, AGENT_USER);
        assert!(by_user.contains("current-context: agent"));
    }
}
