//! The columns `kubectl get` shows for each resource (the server-side Table
//! printers), including the CRDs' printer columns.

use super::age;
use super::resource::ResourceType;
use crate::crds;
use serde_json::{Value, json};
use std::sync::OnceLock;

mod world;

/// One column of a Table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Column {
    /// The header, such as `Name`.
    pub name: String,
    /// `string`, `integer`, `date`, ...
    pub kind: String,
    /// `name` for the name column.
    pub format: String,
    /// 0 always shown, 1 only with `-o wide`.
    pub priority: u8,
    /// For CRD columns: the JSON path read.
    pub json_path: Option<String>,
}

impl Column {
    fn new(name: &str, kind: &str, priority: u8) -> Self {
        Column {
            name: name.to_string(),
            kind: kind.to_string(),
            format: if name == "Name" {
                "name".into()
            } else {
                String::new()
            },
            priority,
            json_path: None,
        }
    }

    /// The column definition as a Table carries it.
    pub fn definition(&self) -> Value {
        json!({
            "name": self.name,
            "type": self.kind,
            "format": self.format,
            "description": "",
            "priority": self.priority,
        })
    }
}

fn crd_columns(plural: &str) -> Vec<Column> {
    static PROPOSALS: OnceLock<Vec<Column>> = OnceLock::new();
    static POLICIES: OnceLock<Vec<Column>> = OnceLock::new();
    let from_crd = |crd: k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition| {
        let mut columns = vec![Column::new("Name", "string", 0)];
        let printer_columns = crd
            .spec
            .versions
            .first()
            .and_then(|v| v.additional_printer_columns.clone())
            .unwrap_or_default();
        for c in printer_columns {
            columns.push(Column {
                priority: u8::try_from(c.priority.unwrap_or(0)).unwrap_or(0),
                json_path: Some(c.json_path.clone()),
                ..Column::new(&c.name, &c.type_, 0)
            });
        }
        columns
    };
    match plural {
        "actionproposals" => PROPOSALS
            .get_or_init(|| from_crd(crds::action_proposal_crd()))
            .clone(),
        _ => POLICIES
            .get_or_init(|| from_crd(crds::trust_policy_crd()))
            .clone(),
    }
}

/// The columns for a resource.
pub(crate) fn columns(resource: &ResourceType) -> Vec<Column> {
    if let Some(columns) = world::columns(resource) {
        return columns;
    }
    let c = Column::new;
    match (resource.group, resource.plural) {
        ("kubevigil.io", plural) => crd_columns(plural),
        ("batch", "jobs") => vec![
            c("Name", "string", 0),
            c("Status", "string", 0),
            c("Completions", "string", 0),
            c("Duration", "string", 0),
            c("Age", "string", 0),
            c("Containers", "string", 1),
            c("Images", "string", 1),
            c("Selector", "string", 1),
        ],
        ("", "pods") => vec![
            c("Name", "string", 0),
            c("Ready", "string", 0),
            c("Status", "string", 0),
            c("Restarts", "string", 0),
            c("Age", "string", 0),
            c("IP", "string", 1),
            c("Node", "string", 1),
        ],
        ("", "namespaces") => vec![
            c("Name", "string", 0),
            c("Status", "string", 0),
            c("Age", "string", 0),
        ],
        (_, "events") => vec![
            c("Last Seen", "string", 0),
            c("Type", "string", 0),
            c("Reason", "string", 0),
            c("Object", "string", 0),
            c("Message", "string", 0),
            c("Name", "string", 1),
        ],
        ("coordination.k8s.io", "leases") => {
            vec![
                c("Name", "string", 0),
                c("Holder", "string", 0),
                c("Age", "string", 0),
            ]
        }
        _ => vec![c("Name", "string", 0), c("Age", "string", 0)],
    }
}

fn text<'a>(object: &'a Value, path: &str) -> &'a str {
    path.split('.')
        .filter(|p| !p.is_empty())
        .try_fold(object, |v, part| v.get(part))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn number(object: &Value, path: &str) -> i64 {
    path.split('.')
        .try_fold(object, |v, part| v.get(part))
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

fn age_of(object: &Value) -> String {
    age::seconds_since(Some(text(object, "metadata.creationTimestamp")))
        .map(age::human)
        .unwrap_or_else(|| "<unknown>".into())
}

fn has_condition(object: &Value, kind: &str) -> bool {
    object
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|conditions| {
            conditions.iter().any(|c| {
                c.get("type").and_then(Value::as_str) == Some(kind)
                    && c.get("status").and_then(Value::as_str) == Some("True")
            })
        })
}

fn job_cells(job: &Value) -> Vec<Value> {
    let status = ["Complete", "Failed", "Suspended", "FailureTarget"]
        .into_iter()
        .find(|kind| has_condition(job, kind))
        .map(|kind| {
            if kind == "FailureTarget" {
                "Failed"
            } else {
                kind
            }
        })
        .unwrap_or("Running");
    let completions = job
        .pointer("/spec/completions")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let start = job.pointer("/status/startTime").and_then(Value::as_str);
    let end = job
        .pointer("/status/completionTime")
        .and_then(Value::as_str);
    let duration = match end {
        Some(_) => age::seconds_between(start, end),
        None => age::seconds_since(start),
    }
    .map(age::human)
    .unwrap_or_default();
    let containers = job
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = containers.iter().map(|c| text(c, "name")).collect();
    let images: Vec<&str> = containers.iter().map(|c| text(c, "image")).collect();
    let selector = job
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object)
        .map(|labels| {
            labels
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    vec![
        json!(text(job, "metadata.name")),
        json!(status),
        json!(format!("{}/{completions}", number(job, "status.succeeded"))),
        json!(duration),
        json!(age_of(job)),
        json!(names.join(",")),
        json!(images.join(",")),
        json!(selector),
    ]
}

fn pod_cells(pod: &Value) -> Vec<Value> {
    let statuses = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let total = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map_or(statuses.len(), Vec::len);
    let ready = statuses
        .iter()
        .filter(|s| s.get("ready").and_then(Value::as_bool) == Some(true))
        .count();
    let restarts: i64 = statuses.iter().map(|s| number(s, "restartCount")).sum();
    let waiting = statuses
        .iter()
        .find_map(|s| s.pointer("/state/waiting/reason").and_then(Value::as_str));
    let terminated = statuses.iter().find_map(|s| {
        s.pointer("/state/terminated/reason")
            .and_then(Value::as_str)
    });
    let phase = text(pod, "status.phase");
    let status = waiting
        .or(terminated)
        .unwrap_or(if phase.is_empty() { "Pending" } else { phase });
    let node = text(pod, "spec.nodeName");
    let ip = text(pod, "status.podIP");
    vec![
        json!(text(pod, "metadata.name")),
        json!(format!("{ready}/{total}")),
        json!(status),
        json!(restarts.to_string()),
        json!(age_of(pod)),
        json!(if ip.is_empty() { "<none>" } else { ip }),
        json!(if node.is_empty() { "<none>" } else { node }),
    ]
}

fn event_cells(event: &Value) -> Vec<Value> {
    let regarding = event
        .get("involvedObject")
        .or_else(|| event.get("regarding"))
        .cloned()
        .unwrap_or(Value::Null);
    let last_seen = [
        "lastTimestamp",
        "deprecatedLastTimestamp",
        "eventTime",
        "metadata.creationTimestamp",
    ]
    .into_iter()
    .map(|path| text(event, path))
    .find(|t| !t.is_empty());
    let message = match text(event, "message") {
        "" => text(event, "note"),
        message => message,
    };
    vec![
        json!(
            age::seconds_since(last_seen)
                .map(age::human)
                .unwrap_or_default()
        ),
        json!(text(event, "type")),
        json!(text(event, "reason")),
        json!(format!(
            "{}/{}",
            text(&regarding, "kind").to_lowercase(),
            text(&regarding, "name")
        )),
        json!(message),
        json!(text(event, "metadata.name")),
    ]
}

fn crd_cell(object: &Value, column: &Column) -> Value {
    let Some(path) = &column.json_path else {
        return json!(text(object, "metadata.name"));
    };
    let value = path
        .split('.')
        .filter(|p| !p.is_empty())
        .try_fold(object, |v, part| v.get(part));
    match (column.kind.as_str(), value) {
        ("date", Some(Value::String(at))) => json!(
            age::seconds_since(Some(at))
                .map(age::human)
                .unwrap_or_default()
        ),
        (_, Some(value)) => value.clone(),
        (_, None) => Value::Null,
    }
}

/// The cells of one row, in [`columns`] order.
pub(crate) fn cells(resource: &ResourceType, object: &Value) -> Vec<Value> {
    if let Some(cells) = world::cells(resource, object) {
        return cells;
    }
    match (resource.group, resource.plural) {
        ("kubevigil.io", _) => columns(resource)
            .iter()
            .map(|column| crd_cell(object, column))
            .collect(),
        ("batch", "jobs") => job_cells(object),
        ("", "pods") => pod_cells(object),
        ("", "namespaces") => {
            let phase = text(object, "status.phase");
            vec![
                json!(text(object, "metadata.name")),
                json!(if phase.is_empty() { "Active" } else { phase }),
                json!(age_of(object)),
            ]
        }
        (_, "events") => event_cells(object),
        ("coordination.k8s.io", "leases") => vec![
            json!(text(object, "metadata.name")),
            json!(text(object, "spec.holderIdentity")),
            json!(age_of(object)),
        ],
        _ => vec![json!(text(object, "metadata.name")), json!(age_of(object))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::api::resource::{self, JOBS};

    #[test]
    fn proposal_columns_come_from_the_crd() {
        let proposals =
            resource::get(resource::lookup("kubevigil.io", "v1alpha1", "actionproposals").unwrap());
        let names: Vec<String> = columns(proposals).into_iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            ["Name", "Investigation", "Risk", "State", "Summary", "Age"]
        );
        let row = cells(
            proposals,
            &json!({"metadata": {"name": "p"}, "spec": {"risk": "high", "investigation": "i"}}),
        );
        assert_eq!(row[0], "p");
        assert_eq!(row[1], "i");
        assert_eq!(row[2], "high");
        assert_eq!(row[3], Value::Null);
    }

    #[test]
    fn job_rows_show_status_and_completions() {
        let job = json!({"metadata": {"name": "j"}, "spec": {"suspend": true}, "status": {"succeeded": 0, "conditions": [{"type": "Suspended", "status": "True"}]}});
        let row = cells(resource::get(JOBS), &job);
        assert_eq!(row[1], "Suspended");
        assert_eq!(row[2], "0/1");
        assert_eq!(row.len(), columns(resource::get(JOBS)).len());
    }
}
