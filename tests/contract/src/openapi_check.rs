//! Checks recorded HTTP exchanges against the hand-written OpenAPI document
//! (`crates/kustom-ipp/openapi/ipp-v1.openapi.json`), with the `jsonschema` crate.
//!
//! The document is an independent statement of the contract, so this is what catches a field name
//! or an enum spelling that the client and the simulator got wrong together. Each exchange is held
//! to two readings of the document:
//!
//! - **as written**: the response's status must be documented for the operation, its media type
//!   the documented one, and its body valid against the documented schema;
//! - **closed**: the same schemas with `unevaluatedProperties: false` added to every object that
//!   lists its properties, so a field the document does not name — a misspelling — is an error
//!   too (in requests and in responses).
//!
//! [`Contract::promised`] is a third, stricter document: the properties marked
//! `x-promised: false` (the ones the simulator adds and Kustom's docs do not promise) are taken
//! out first, so the closed reading refuses them. It judges the simulator's docs-minimal mode.
//!
//! A request that does not follow the (closed) document may still be sent on purpose, to see the
//! API refuse it; such an exchange passes only if the answer is a 4xx. A request that follows it
//! must get a documented answer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jsonschema::{Draft, Validator};
use serde_json::{Value, json};

const OPEN: &str = "urn:ipp-openapi";
const CLOSED: &str = "urn:ipp-openapi-closed";

/// One request and the answer the client got, as they crossed the wire.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    /// The path without the query, e.g. `/ipp/v1/devices/5f…`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Vec<u8>,
    pub status: u16,
    pub response_content_type: Option<String>,
    /// `None` when the answer never arrived whole (a dropped connection).
    pub response_body: Option<Vec<u8>>,
}

impl Exchange {
    fn header(&self, name: &str) -> Option<&str> {
        self.request_headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn label(&self) -> String {
        format!("{} {} → {}", self.method, self.path, self.status)
    }
}

/// Path parameters as matched: (name, value).
type PathParams = Vec<(String, String)>;

struct Operation {
    method: String,
    template: String,
    /// `/paths/~1ipp~1v1~1devices~1{id}/put`
    pointer: String,
}

/// The document, ready to check exchanges against.
pub struct Contract {
    document: Value,
    operations: Vec<Operation>,
    validators: Mutex<HashMap<(bool, String), Arc<Validator>>>,
    open: Value,
    closed: Value,
}

/// A JSON pointer as a URI fragment (`{id}` is not allowed there as is).
fn fragment(pointer: &str) -> String {
    pointer
        .replace('%', "%25")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Removes every property marked `x-promised: false` from the schemas that list it.
fn drop_unpromised(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get_mut("properties") {
                properties
                    .retain(|_, schema| schema.get("x-promised") != Some(&Value::Bool(false)));
            }
            for child in map.values_mut() {
                drop_unpromised(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(drop_unpromised),
        _ => {}
    }
}

/// Adds `unevaluatedProperties: false` to every schema object that lists its properties.
fn close_objects(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.contains_key("properties")
                && !map.contains_key("additionalProperties")
                && !map.contains_key("unevaluatedProperties")
            {
                map.insert("unevaluatedProperties".into(), Value::Bool(false));
            }
            for child in map.values_mut() {
                close_objects(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

impl Contract {
    /// The document as committed.
    pub fn load() -> Self {
        let document = serde_json::from_str(kustom_ipp::openapi::DOCUMENT)
            .unwrap_or_else(|err| panic!("the OpenAPI document is not JSON: {err}"));
        Self::from_document(document)
    }

    /// The document without the properties marked `x-promised: false`.
    pub fn promised() -> Self {
        let mut document: Value = serde_json::from_str(kustom_ipp::openapi::DOCUMENT)
            .unwrap_or_else(|err| panic!("the OpenAPI document is not JSON: {err}"));
        drop_unpromised(&mut document);
        Self::from_document(document)
    }

    /// Any document (a test uses a deliberately broken copy).
    pub fn from_document(document: Value) -> Self {
        let mut operations = Vec::new();
        if let Some(paths) = document["paths"].as_object() {
            for (template, item) in paths {
                for method in ["get", "put", "post", "delete", "patch"] {
                    if item.get(method).is_some() {
                        operations.push(Operation {
                            method: method.to_uppercase(),
                            template: template.clone(),
                            pointer: format!("/paths/{}/{method}", escape(template)),
                        });
                    }
                }
            }
        }
        let mut closed = document.clone();
        close_objects(&mut closed);
        Self {
            open: document.clone(),
            closed,
            document,
            operations,
            validators: Mutex::new(HashMap::new()),
        }
    }

    fn at(&self, pointer: &str) -> &Value {
        self.document.pointer(pointer).unwrap_or(&Value::Null)
    }

    /// Follows a `$ref` between OpenAPI objects (parameters, responses); returns the pointer.
    fn resolve(&self, pointer: &str) -> String {
        let mut pointer = pointer.to_owned();
        for _ in 0..8 {
            match self.at(&pointer).get("$ref").and_then(Value::as_str) {
                Some(target) if target.starts_with("#/") => pointer = target[1..].to_owned(),
                _ => break,
            }
        }
        pointer
    }

    fn validator(&self, closed: bool, schema_pointer: &str) -> Result<Arc<Validator>, String> {
        let key = (closed, schema_pointer.to_owned());
        if let Some(found) = self
            .validators
            .lock()
            .ok()
            .and_then(|v| v.get(&key).cloned())
        {
            return Ok(found);
        }
        let (base, document) = if closed {
            (CLOSED, &self.closed)
        } else {
            (OPEN, &self.open)
        };
        let validator = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .with_resource(base, Draft::Draft202012.create_resource(document.clone()))
            .build(&json!({ "$ref": format!("{base}#{}", fragment(schema_pointer)) }))
            .map_err(|err| format!("the schema at {schema_pointer} does not compile: {err}"))?;
        let validator = Arc::new(validator);
        if let Ok(mut cache) = self.validators.lock() {
            cache.insert(key, validator.clone());
        }
        Ok(validator)
    }

    /// How `instance` deviates from the schema at `pointer` (e.g. `/components/schemas/Device`),
    /// as written and closed.
    pub fn schema_problems(&self, pointer: &str, instance: &Value) -> Vec<String> {
        self.schema_errors(pointer, instance, "instance")
    }

    /// Validates `instance` against the schema at `schema_pointer`, in both readings.
    fn schema_errors(&self, schema_pointer: &str, instance: &Value, what: &str) -> Vec<String> {
        let mut errors = Vec::new();
        for closed in [false, true] {
            match self.validator(closed, schema_pointer) {
                Ok(validator) => {
                    for error in validator.iter_errors(instance) {
                        let reading = if closed { "closed" } else { "as written" };
                        let message =
                            format!("{what} at `{}` ({reading}): {error}", error.instance_path);
                        if !errors.contains(&message) {
                            errors.push(message);
                        }
                    }
                }
                Err(err) => errors.push(err),
            }
            // An error of the document as written is reported once, not again as "closed".
            if !errors.is_empty() {
                break;
            }
        }
        errors
    }

    fn operation(&self, method: &str, path: &str) -> Option<(&Operation, PathParams)> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let mut best: Option<(&Operation, PathParams, usize)> = None;
        for operation in self.operations.iter().filter(|o| o.method == method) {
            let template: Vec<&str> = operation.template.split('/').collect();
            if template.len() != segments.len() {
                continue;
            }
            let mut params = Vec::new();
            let mut literal = 0;
            let matched = template.iter().zip(&segments).all(|(t, s)| {
                if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                    params.push((name.to_owned(), (*s).to_owned()));
                    !s.is_empty()
                } else {
                    literal += 1;
                    t == s
                }
            });
            // A literal path (`/devices/register`) beats a template (`/devices/{id}`).
            if matched && best.as_ref().is_none_or(|(_, _, l)| literal > *l) {
                best = Some((operation, params, literal));
            }
        }
        best.map(|(operation, params, _)| (operation, params))
    }

    /// What in `exchange` deviates from the document (empty: it conforms).
    pub fn check(&self, exchange: &Exchange) -> Vec<String> {
        let label = exchange.label();
        let Some((operation, path_params)) = self.operation(&exchange.method, &exchange.path)
        else {
            // A call of an undocumented path may only be refused.
            return if matches!(exchange.status, 404 | 405) {
                Vec::new()
            } else {
                vec![format!("{label}: the document has no such operation")]
            };
        };
        let request_problems = self.request_problems(operation, &path_params, exchange);
        let mut violations: Vec<String> = self
            .response_problems(operation, exchange)
            .into_iter()
            .map(|p| format!("{label}: {p}"))
            .collect();
        if !request_problems.is_empty() && (200..300).contains(&exchange.status) {
            violations.push(format!(
                "{label}: a request that does not follow the document was accepted: {}",
                request_problems.join("; ")
            ));
        }
        violations
    }

    /// Why the request does not follow the (closed) document, if it does not.
    fn request_problems(
        &self,
        operation: &Operation,
        path_params: &[(String, String)],
        exchange: &Exchange,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        let mut declared_query = Vec::new();
        let parameters = self.at(&operation.pointer)["parameters"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0);
        for index in 0..parameters {
            let pointer = self.resolve(&format!("{}/parameters/{index}", operation.pointer));
            let parameter = self.at(&pointer);
            let name = parameter["name"].as_str().unwrap_or_default();
            let required = parameter["required"].as_bool().unwrap_or(false);
            let schema_pointer = format!("{pointer}/schema");
            let schema = self.at(&schema_pointer);
            let value = match parameter["in"].as_str() {
                Some("path") => path_params
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| Value::String(v.clone())),
                Some("header") => exchange.header(name).map(|v| Value::String(v.to_owned())),
                Some("query") => {
                    declared_query.push(name.to_owned());
                    let values: Vec<&str> = exchange
                        .query
                        .iter()
                        .filter(|(n, _)| n == name)
                        .map(|(_, v)| v.as_str())
                        .collect();
                    query_value(schema, &values)
                }
                _ => None,
            };
            match value {
                None if required => {
                    problems.push(format!("the required parameter `{name}` is missing"))
                }
                None => {}
                Some(value) => problems.extend(self.schema_errors(
                    &schema_pointer,
                    &value,
                    &format!("parameter `{name}`"),
                )),
            }
        }
        for (name, _) in &exchange.query {
            if !declared_query.contains(name) {
                problems.push(format!("the query parameter `{name}` is not documented"));
            }
        }
        let body_pointer = self.resolve(&format!("{}/requestBody", operation.pointer));
        let body = self.at(&body_pointer);
        if body.is_null() {
            if !exchange.request_body.is_empty() {
                problems.push("a body was sent to an operation that takes none".to_owned());
            }
        } else if exchange.request_body.is_empty() {
            if body["required"].as_bool().unwrap_or(false) {
                problems.push("the required body is missing".to_owned());
            }
        } else {
            match serde_json::from_slice::<Value>(&exchange.request_body) {
                Ok(value) => problems.extend(self.schema_errors(
                    &format!("{body_pointer}/content/application~1json/schema"),
                    &value,
                    "request body",
                )),
                Err(err) => problems.push(format!("the body is not JSON: {err}")),
            }
        }
        problems
    }

    fn response_problems(&self, operation: &Operation, exchange: &Exchange) -> Vec<String> {
        let responses = format!("{}/responses", operation.pointer);
        let status = exchange.status.to_string();
        let class = format!("{}XX", exchange.status / 100);
        let key = [status.as_str(), class.as_str(), "default"]
            .into_iter()
            .find(|key| !self.at(&format!("{responses}/{key}")).is_null());
        let Some(key) = key else {
            return vec!["the status is not documented for this operation".to_owned()];
        };
        let pointer = self.resolve(&format!("{responses}/{key}"));
        let Some(body) = &exchange.response_body else {
            return Vec::new(); // The connection dropped: nothing whole to judge.
        };
        let content = self.at(&format!("{pointer}/content"));
        let Some(media_types) = content.as_object() else {
            return if body.is_empty() {
                Vec::new()
            } else {
                vec!["a body was sent where the document has none".to_owned()]
            };
        };
        let received = exchange
            .response_content_type
            .as_deref()
            .and_then(|t| t.split(';').next())
            .map(str::trim)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let Some(media_type) = media_types.keys().find(|m| **m == received) else {
            return vec![format!(
                "the media type {received:?} is not the documented {:?}",
                media_types.keys().collect::<Vec<_>>()
            )];
        };
        match serde_json::from_slice::<Value>(body) {
            Ok(value) => self.schema_errors(
                &format!("{pointer}/content/{}/schema", escape(media_type)),
                &value,
                "response body",
            ),
            Err(err) => vec![format!("the body is not JSON: {err}")],
        }
    }
}

/// A query parameter's values as the JSON its schema describes (`page_size=20` is the integer 20).
fn query_value(schema: &Value, values: &[&str]) -> Option<Value> {
    let scalar = |text: &str, kind: &Value| match kind.as_str() {
        Some("integer") => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(text.to_owned())),
        Some("boolean") => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            other => Value::String(other.to_owned()),
        },
        _ => Value::String(text.to_owned()),
    };
    match (values, schema["type"].as_str()) {
        ([], _) => None,
        (values, Some("array")) => Some(Value::Array(
            values
                .iter()
                .map(|v| scalar(v, &schema["items"]["type"]))
                .collect(),
        )),
        ([one], _) => Some(scalar(one, &schema["type"])),
        // The same scalar parameter twice is not what the document describes.
        (many, _) => Some(Value::Array(
            many.iter()
                .map(|v| Value::String((*v).to_owned()))
                .collect(),
        )),
    }
}
