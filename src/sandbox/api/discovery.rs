//! Discovery documents: `/version`, `/api`, `/apis`, and the resource lists.

use super::resource::{self, RESOURCES};
use super::status::StatusError;
use serde_json::{Value, json};
use std::net::SocketAddr;

/// The Kubernetes version the emulator claims to be.
pub(crate) fn version() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "gitVersion": "v1.33.0",
        "gitCommit": "kubevigil-sandbox",
        "gitTreeState": "clean",
        "buildDate": "2025-04-23T00:00:00Z",
        "goVersion": "go1.24.2",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// `/api`.
pub(crate) fn core_versions(address: SocketAddr) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address.to_string()}],
    })
}

fn group_entry(group: &str, version: &str) -> Value {
    let group_version = json!({"groupVersion": format!("{group}/{version}"), "version": version});
    json!({
        "name": group,
        "versions": [group_version.clone()],
        "preferredVersion": group_version,
    })
}

/// `/apis`.
pub(crate) fn groups() -> Value {
    let groups: Vec<Value> = resource::groups()
        .into_iter()
        .map(|(group, version)| group_entry(group, version))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/apis/{group}`.
pub(crate) fn group(name: &str) -> Result<Value, StatusError> {
    resource::groups()
        .into_iter()
        .find(|(group, _)| *group == name)
        .map(|(group, version)| {
            let mut entry = group_entry(group, version);
            entry["kind"] = json!("APIGroup");
            entry["apiVersion"] = json!("v1");
            entry
        })
        .ok_or_else(StatusError::no_route)
}

/// `/api/v1` or `/apis/{group}/{version}`: an APIResourceList.
pub(crate) fn resources(group: &str, version: &str) -> Result<Value, StatusError> {
    let mut list = Vec::new();
    for r in RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
    {
        let mut entry = json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": r.verbs(),
        });
        if !r.short_names.is_empty() {
            entry["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            entry["categories"] = json!(r.categories);
        }
        list.push(entry);
        for (subresource, verbs) in r.subresources() {
            let mut entry = json!({
                "name": format!("{}/{subresource}", r.plural),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": verbs,
            });
            if subresource == "scale" {
                entry["group"] = json!("autoscaling");
                entry["version"] = json!("v1");
                entry["kind"] = json!("Scale");
            }
            list.push(entry);
        }
    }
    if list.is_empty() {
        return Err(StatusError::no_route());
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Ok(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": list,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubevigil_group_lists_short_names_and_status() {
        let list = resources("kubevigil.io", "v1alpha1").unwrap();
        let names: Vec<&str> = list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "actionproposals",
                "actionproposals/status",
                "trustpolicies",
                "trustpolicies/status",
                "investigationtemplates"
            ]
        );
        assert_eq!(list["resources"][0]["shortNames"], json!(["ap"]));
        assert!(resources("storage.k8s.io", "v1").is_err());
    }
}
