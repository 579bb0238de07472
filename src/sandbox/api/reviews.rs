//! SelfSubjectReview (who am I) and SelfSubjectAccessReview (may I), answered
//! with the same rules that guard every request.

use super::auth::Attributes;
use super::call::{Call, json_reply};
use super::status::StatusError;
use axum::response::Response;
use http::StatusCode;
use serde_json::{Value, json};

/// POST of a review resource.
pub(crate) fn create(call: &Call) -> Result<Response, StatusError> {
    let mut review = call.body_object()?;
    if !review.is_object() {
        return Err(StatusError::bad_request("the body must be a JSON object"));
    }
    review["apiVersion"] = json!(call.resource.api_version());
    review["kind"] = json!(call.resource.kind);
    review["metadata"] = json!({"creationTimestamp": null});
    match call.resource.plural {
        "selfsubjectreviews" => {
            review["status"] = json!({"userInfo": {
                "username": call.user.name,
                "groups": call.user.groups,
            }});
        }
        "selfsubjectaccessreviews" => {
            let allowed = match review.pointer("/spec/resourceAttributes") {
                Some(attributes) => call.user.allows(&resource_attributes(attributes)),
                None => {
                    let verb = review
                        .pointer("/spec/nonResourceAttributes/verb")
                        .and_then(Value::as_str)
                        .unwrap_or("get");
                    verb == "get"
                        || call.user.allows(&Attributes {
                            verb: verb.to_string(),
                            ..Attributes::default()
                        })
                }
            };
            let reason = if allowed {
                "allowed by the kubevigil sandbox rules"
            } else {
                ""
            };
            review["status"] = json!({"allowed": allowed, "reason": reason});
        }
        _ => return Err(StatusError::no_route()),
    }
    Ok(json_reply(StatusCode::CREATED, review.to_string().into()))
}

fn resource_attributes(attributes: &Value) -> Attributes {
    let text = |field: &str| {
        attributes
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    Attributes {
        verb: text("verb"),
        group: text("group"),
        resource: text("resource"),
        subresource: text("subresource"),
        namespace: text("namespace"),
        name: text("name"),
    }
}
