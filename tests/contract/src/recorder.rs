//! A recording proxy between the client and the simulator: every request the client sends and
//! every answer it gets cross it unchanged and are kept as [`Exchange`]s, so that the contract
//! tests can hold all of them to the OpenAPI document.
//!
//! It forwards bytes as they are (method, path, query, headers, body; status, headers, body). An
//! answer whose body breaks off upstream (a dropped connection) breaks off here too, and is
//! recorded as incomplete.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use parking_lot::Mutex;

use crate::openapi_check::Exchange;

#[derive(Clone)]
struct Shared {
    upstream: String,
    http: reqwest::Client,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
}

/// A running proxy in front of `upstream`.
pub struct Recorder {
    pub url: String,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Recorder {
    pub async fn start(upstream: &str) -> Self {
        let exchanges: Arc<Mutex<Vec<Exchange>>> = Arc::default();
        let shared = Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http: kustom_ipp::tls::http_client().unwrap_or_else(|e| panic!("{e}")),
            exchanges: exchanges.clone(),
        };
        let app = axum::Router::new().fallback(forward).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|err| panic!("bind the recording proxy: {err}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|err| panic!("proxy address: {err}"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url: format!("http://{addr}"),
            exchanges,
            task,
        }
    }

    /// Everything recorded so far.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges.lock().clone()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(State(shared): State<Shared>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let request_body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let mut outgoing = shared
        .http
        .request(
            parts.method.clone(),
            format!("{}{path_and_query}", shared.upstream),
        )
        .body(request_body.to_vec());
    let mut request_headers = Vec::new();
    for (name, value) in &parts.headers {
        if matches!(name.as_str(), "host" | "content-length") {
            continue;
        }
        outgoing = outgoing.header(name, value);
        request_headers.push((
            name.as_str().to_owned(),
            String::from_utf8_lossy(value.as_bytes()).into_owned(),
        ));
    }
    let mut exchange = Exchange {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        request_headers,
        request_body: request_body.to_vec(),
        status: 0,
        response_content_type: None,
        response_body: None,
    };
    let upstream = match outgoing.send().await {
        Ok(upstream) => upstream,
        Err(_) => return broken_off(http::StatusCode::BAD_GATEWAY, &http::HeaderMap::new()),
    };
    let status = upstream.status();
    let headers = upstream.headers().clone();
    exchange.status = status.as_u16();
    exchange.response_content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = upstream.bytes().await;
    exchange.response_body = body.as_ref().ok().map(|b| b.to_vec());
    shared.exchanges.lock().push(exchange);
    match body {
        Ok(body) => respond(status, &headers, Body::from(body)),
        Err(_) => broken_off(status, &headers),
    }
}

fn respond(status: http::StatusCode, headers: &http::HeaderMap, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    for (name, value) in headers {
        if !matches!(
            name.as_str(),
            "content-length" | "transfer-encoding" | "connection"
        ) {
            response.headers_mut().append(name, value.clone());
        }
    }
    response
}

/// Headers, then a body that fails: what the client saw upstream, passed on.
fn broken_off(status: http::StatusCode, headers: &http::HeaderMap) -> Response {
    let body = Body::from_stream(futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "the upstream answer broke off",
        ))
    }));
    respond(status, headers, body)
}
