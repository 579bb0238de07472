//! SelfSubjectReview (who am I), SelfSubjectAccessReview (may I) and
//! SelfSubjectRulesReview (what may I), answered with the same rules that
//! guard every request.

use super::auth::Attributes;
use super::call::{Call, json_reply};
use super::status::StatusError;
use axum::response::Response;
use http::StatusCode;
use serde_json::{Value, json};

/// POST of a review resource.
pub(crate) fn create(call: &Call) -> Result<Response, StatusError> {
    let rules_review = call.resource.plural == "selfsubjectrulesreviews";
    let mut review = if rules_review && call.content_type.contains("protobuf") {
        super::protobuf::decode_rules_review(&call.body)
            .ok_or_else(|| StatusError::bad_request("malformed protobuf review"))?
    } else {
        call.body_object()?
    };
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
        "selfsubjectrulesreviews" => {
            let namespace = review
                .pointer("/spec/namespace")
                .and_then(Value::as_str)
                .unwrap_or("");
            review["status"] = super::rules_review::status(&call.user, namespace);
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
