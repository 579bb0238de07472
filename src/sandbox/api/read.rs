//! get and list.

use super::call::{Call, json_reply};
use super::object::ObjectKey;
use super::representation;
use super::selector::{FieldSelector, LabelSelector};
use super::status::StatusError;
use axum::response::Response;
use http::StatusCode;
use serde_json::Value;
use std::sync::Arc;

/// GET of one object (or its `/status`).
pub(crate) fn get(call: &Call) -> Result<Response, StatusError> {
    let key = call.key()?;
    let object = call
        .inner
        .store
        .read()
        .get(call.path.resource, &key)
        .ok_or_else(|| StatusError::not_found(call.resource, &key.name))?;
    Ok(call.reply_object(StatusCode::OK, &object))
}

/// The label and field selectors of a list, watch or deletecollection.
pub(crate) struct Filter {
    /// Only this namespace, when set.
    pub namespace: Option<String>,
    /// The label selector.
    pub labels: LabelSelector,
    /// The field selector.
    pub fields: FieldSelector,
}

impl Filter {
    /// The filter a request asks for; 400 for a malformed selector.
    pub fn from_call(call: &Call) -> Result<Self, StatusError> {
        let labels = LabelSelector::parse(call.param("labelSelector").unwrap_or(""))
            .map_err(|e| StatusError::bad_request(format!("unable to parse requirement: {e}")))?;
        let fields = FieldSelector::parse(call.param("fieldSelector").unwrap_or(""))
            .map_err(StatusError::bad_request)?;
        Ok(Filter {
            namespace: call.path.namespace.clone(),
            labels,
            fields,
        })
    }

    /// Whether the object passes.
    pub fn matches(&self, object: &Value) -> bool {
        self.namespace
            .as_deref()
            .is_none_or(|ns| super::object::namespace(object) == ns)
            && self.labels.matches(object)
            && self.fields.matches(object)
    }
}

/// An opaque continue token: the list's revision and the last key returned.
fn encode_continue(revision: u64, key: &ObjectKey) -> String {
    let plain = serde_json::json!([revision, key.namespace, key.name]).to_string();
    plain.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_continue(token: &str) -> Option<(u64, ObjectKey)> {
    let bytes = (0..token.len())
        .step_by(2)
        .map(|i| {
            token
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()?;
    let (revision, namespace, name): (u64, String, String) = serde_json::from_slice(&bytes).ok()?;
    Some((revision, ObjectKey { namespace, name }))
}

/// One page of a list.
pub(crate) struct Page {
    /// The matching objects.
    pub items: Vec<Arc<Value>>,
    /// The revision the list reports.
    pub revision: u64,
    /// The token for the next page, when there is one.
    pub continue_token: Option<String>,
    /// How many matching objects come after this page: set, as the API
    /// server sets it, only for a page with a next one of a list without a
    /// label or field selector.
    pub remaining: Option<u64>,
}

/// Reads one page of matching objects without copying any object.
pub(crate) fn page(call: &Call, filter: &Filter) -> Result<Page, StatusError> {
    let limit = call
        .number("limit")?
        .filter(|l| *l > 0)
        .map(|l| usize::try_from(l).unwrap_or(usize::MAX));
    let after = match call.param("continue").filter(|t| !t.is_empty()) {
        Some(token) => Some(decode_continue(token).ok_or_else(|| {
            StatusError::bad_request("continue key is not valid: the token could not be decoded")
        })?),
        None => None,
    };
    let state = call.inner.store.read();
    let revision = after.as_ref().map_or(state.revision, |(r, _)| *r);
    let table = state.table(call.path.resource);
    let mut matching = table
        .range(filter.namespace.as_deref(), after.as_ref().map(|(_, k)| k))
        .filter(|(_, object)| filter.matches(object));
    let mut items = Vec::new();
    let mut last_key = None;
    for (key, object) in matching.by_ref() {
        items.push(object.clone());
        if limit.is_some_and(|l| items.len() >= l) {
            last_key = Some(key.clone());
            break;
        }
    }
    let mut remaining = None;
    let continue_token = match last_key {
        Some(key) if matching.next().is_some() => {
            // Unfiltered: every object after this page counts, so count the
            // keys rather than parse 100,000 objects (under the store's lock).
            if filter.labels.0.is_empty() && filter.fields.0.is_empty() {
                remaining = Some(table.count_after(filter.namespace.as_deref(), &key) as u64);
            }
            Some(encode_continue(revision, &key))
        }
        _ => None,
    };
    Ok(Page {
        items,
        revision,
        continue_token,
        remaining,
    })
}

/// GET of a collection.
pub(crate) fn list(call: &Call) -> Result<Response, StatusError> {
    let filter = Filter::from_call(call)?;
    let page = page(call, &filter)?;
    let body = representation::render_list(
        call.repr,
        call.resource,
        &page.items,
        page.revision,
        page.continue_token,
        page.remaining,
    )
    .map_err(|e| StatusError::internal(e.to_string()))?;
    Ok(json_reply(StatusCode::OK, body.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip() {
        let key = ObjectKey::new("payments", "inv-7");
        let token = encode_continue(42, &key);
        assert_eq!(decode_continue(&token), Some((42, key)));
        assert_eq!(decode_continue("zz"), None);
    }
}
