//! The investigation's cluster objects at hand: its Job and Pod as YAML
//! (`metadata.managedFields` left out, as `kubectl get -o yaml` does by
//! default) and the last lines of its pod's log, raw. Everything read is
//! agent-writable (annotations, env, the log itself): each line is
//! sanitized and redacted before it leaves this task. A refusal (403) names
//! the right that is missing, as a refused decision does.

use crate::decide::failure::Request;
use crate::domain::labels::INVESTIGATION;
use crate::sanitize::{Redactor, clean};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, LogParams};
use kube::{Api, Client, ResourceExt};

/// Which document is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// The Job and its newest Pod as YAML.
    Yaml,
    /// The last `tail_lines` lines of the pod's log.
    Log {
        /// How many lines from the end.
        tail_lines: usize,
    },
}

/// What to fetch, for whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRequest {
    /// The request's id, which its answer carries.
    pub request: u64,
    /// Which document.
    pub wanted: Wanted,
    /// Who asks (for a refusal's wording).
    pub user: Option<String>,
    /// The investigation id (pod label `kubevigil.io/investigation`).
    pub investigation: String,
    /// The Job's namespace.
    pub namespace: String,
    /// The Job's name.
    pub job_name: String,
}

/// A fetched document: sanitized lines and notes about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedDocument {
    /// The text, line by line, sanitized and redacted.
    pub lines: Vec<String>,
    /// What the reader should know (the pod could not be read...), sanitized.
    pub notes: Vec<String>,
}

/// The answer to a [`DocumentRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFetched {
    /// The request's id.
    pub request: u64,
    /// The document, or why there is none, in words.
    pub result: Result<FetchedDocument, String>,
}

/// Fetches what `request` asks for.
pub async fn fetch(
    client: Client,
    request: DocumentRequest,
    redactor: &Redactor,
) -> DocumentFetched {
    let result = match request.wanted {
        Wanted::Yaml => yaml(&client, &request, redactor).await,
        Wanted::Log { tail_lines } => log(&client, &request, tail_lines, redactor).await,
    };
    DocumentFetched {
        request: request.request,
        result,
    }
}

/// A failed read in the operator's words; a 403 names the right missing.
fn refused(
    request: &DocumentRequest,
    verb: &'static str,
    resource: &'static str,
    name: &str,
    error: kube::Error,
) -> String {
    let user = request.user.as_deref().unwrap_or("you");
    let doing = format!("{verb} {resource} {}/{name}", request.namespace);
    let text = Request {
        user,
        verb,
        resource,
        namespace: &request.namespace,
        name,
        doing: &doing,
    }
    .failed(error, None)
    .to_string();
    crate::sanitize::sanitize(&text).into_owned()
}

async fn yaml(
    client: &Client,
    request: &DocumentRequest,
    redactor: &Redactor,
) -> Result<FetchedDocument, String> {
    let jobs: Api<Job> = Api::namespaced(client.clone(), &request.namespace);
    let job = jobs
        .get(&request.job_name)
        .await
        .map_err(|e| refused(request, "get", "jobs", &request.job_name, e))?;
    let mut lines = Vec::new();
    let mut notes = Vec::new();
    push_yaml(&job, redactor, &mut lines);
    let pods: Api<Pod> = Api::namespaced(client.clone(), &request.namespace);
    match pods_of(&pods, &job, request).await {
        Ok(found) => {
            let count = found.len();
            match found
                .into_iter()
                .max_by_key(|p| p.creation_timestamp().map(|t| t.0))
            {
                Some(pod) => {
                    if count > 1 {
                        notes.push(format!("the newest of {count} pods of the Job is shown"));
                    }
                    lines.push("---".into());
                    push_yaml(&pod, redactor, &mut lines);
                }
                None => notes.push("the Job has no pod (not started yet, or removed)".into()),
            }
        }
        Err(why) => notes.push(why),
    }
    notes.push("managedFields are left out, as kubectl does".into());
    Ok(FetchedDocument {
        lines,
        notes: notes.iter().map(|n| clean(n, redactor)).collect(),
    })
}

/// The Job's pods: by its selector, else `job-name`, else the investigation label.
async fn pods_of(
    pods: &Api<Pod>,
    job: &Job,
    request: &DocumentRequest,
) -> Result<Vec<Pod>, String> {
    let mut selectors = Vec::new();
    if let Some(labels) = job
        .spec
        .as_ref()
        .and_then(|s| s.selector.as_ref())
        .and_then(|s| s.match_labels.as_ref())
        .filter(|l| !l.is_empty())
    {
        selectors.push(
            labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    selectors.push(format!("job-name={}", request.job_name));
    selectors.push(format!("{INVESTIGATION}={}", request.investigation));
    for selector in selectors {
        match pods.list(&ListParams::default().labels(&selector)).await {
            Ok(list) if !list.items.is_empty() => return Ok(list.items),
            Ok(_) => {}
            Err(error) => return Err(refused(request, "list", "pods", &request.job_name, error)),
        }
    }
    Ok(Vec::new())
}

/// `object` as YAML lines, without `metadata.managedFields`, each line
/// sanitized and redacted.
fn push_yaml<K: serde::Serialize>(object: &K, redactor: &Redactor, lines: &mut Vec<String>) {
    let mut value = serde_json::to_value(object).unwrap_or_default();
    if let Some(metadata) = value.get_mut("metadata").and_then(|m| m.as_object_mut()) {
        metadata.remove("managedFields");
    }
    let text = serde_saphyr::to_string(&value).unwrap_or_else(|_| value.to_string());
    lines.extend(text.lines().map(|line| clean(line, redactor)));
}

async fn log(
    client: &Client,
    request: &DocumentRequest,
    tail_lines: usize,
    redactor: &Redactor,
) -> Result<FetchedDocument, String> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), &request.namespace);
    let mut found = Vec::new();
    for selector in [
        format!("{INVESTIGATION}={}", request.investigation),
        format!("job-name={}", request.job_name),
    ] {
        let listed = pods
            .list(&ListParams::default().labels(&selector))
            .await
            .map_err(|e| refused(request, "list", "pods", &request.job_name, e))?;
        if !listed.items.is_empty() {
            found = listed.items;
            break;
        }
    }
    let Some(pod) = super::logs::newest_started(&found) else {
        return Err(format!(
            "the Job {}/{} has no started pod yet (or it was removed)",
            request.namespace, request.job_name
        ));
    };
    let params = LogParams {
        tail_lines: Some(i64::try_from(tail_lines).unwrap_or(i64::MAX)),
        ..LogParams::default()
    };
    let text = pods
        .logs(&pod, &params)
        .await
        .map_err(|e| refused(request, "get", "pods/log", &pod, e))?;
    let lines: Vec<String> = text.lines().map(|line| clean(line, redactor)).collect();
    let note = format!(
        "pod {} · the last {} line{} of its log (at most {tail_lines}), raw",
        pod,
        lines.len(),
        if lines.len() == 1 { "" } else { "s" }
    );
    Ok(FetchedDocument {
        lines,
        notes: vec![clean(&note, redactor)],
    })
}
