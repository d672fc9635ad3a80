//! The HTTP client: authentication, timeouts, and retries that never repeat an unsafe write.
//!
//! Retry rules: a request that never reached the server (connection refused, DNS) or that the
//! server refused before processing (429) may always be sent again. Everything else (5xx,
//! timeouts, a connection that dropped mid-response) is retried only for requests that are safe to
//! repeat: reads, and writes whose repetition lands in the same state (PUT replace, cancel). A
//! POST that may have been processed is never sent twice. Waits grow exponentially with jitter
//! and honour `Retry-After` on 429/503.

use std::sync::Arc;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::budget::{Lane, RateBudget};
use crate::error::{ApiError, Problem};
use crate::secret::Secret;
use crate::text::bounded;

/// How the client authenticates [DOC §2.1].
#[derive(Debug, Clone)]
pub enum Credentials {
    /// `Authorization: Basic <API key>` — the raw key, not base64 (the primary form).
    ApiKey(Secret),
    /// `Authorization: Basic base64(<username>:<API key>)`, username as shown in the Portal.
    UsernameAndKey { username: String, key: Secret },
    /// No `Authorization` header (only for the POS app's registration call).
    None,
}

impl Credentials {
    fn header(&self) -> Option<HeaderValue> {
        let value = match self {
            Self::ApiKey(key) => format!("Basic {}", key.expose()),
            Self::UsernameAndKey { username, key } => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{username}:{}", key.expose()))
            ),
            Self::None => return None,
        };
        let mut header = HeaderValue::from_str(&value).ok()?;
        header.set_sensitive(true);
        Some(header)
    }
}

/// Retry settings. `max_attempts` counts the first try.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// Longest `Retry-After` the client will sleep through before giving up with `RateLimited`.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries at all: every failure is reported as it happens.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }
}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Scheme and host, e.g. `https://api.kustom.co`; `/ipp/v1` is appended by the client.
    pub base_url: Url,
    pub credentials: Credentials,
    /// Sent as `x-merchant-id` on every authenticated call [DOC §2.2; INF: accepted everywhere].
    pub merchant_id: Option<String>,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// The account's request budget, shared by every client of it (none: unlimited).
    pub budget: Option<RateBudget>,
}

impl ClientConfig {
    pub fn new(base_url: &str, credentials: Credentials) -> Result<Self, ApiError> {
        let base_url = Url::parse(base_url)
            .map_err(|err| ApiError::Config(format!("invalid base URL {base_url:?}: {err}")))?;
        if !matches!(base_url.scheme(), "http" | "https") {
            return Err(ApiError::Config(format!(
                "base URL must be http(s), not {:?}",
                base_url.scheme()
            )));
        }
        Ok(Self {
            base_url,
            credentials,
            merchant_id: None,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(20),
            retry: RetryPolicy::default(),
            budget: None,
        })
    }

    pub fn merchant_id(mut self, merchant_id: impl Into<String>) -> Self {
        self.merchant_id = Some(merchant_id.into());
        self
    }

    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn timeouts(mut self, connect: Duration, overall: Duration) -> Self {
        self.connect_timeout = connect;
        self.timeout = overall;
        self
    }

    /// Sends every request within `budget` (see [`RateBudget`]).
    pub fn budget(mut self, budget: RateBudget) -> Self {
        self.budget = Some(budget);
        self
    }
}

/// Whether a request may be sent again after an outcome that left it unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Reads, PUT replace, idempotent cancel.
    Safe,
    /// Creates: only when the server certainly did not process it (connect failure, 429).
    Unsafe,
}

/// One request, described before it is sent (and possibly sent again).
pub(crate) struct Call<'a> {
    pub method: Method,
    /// The path under `/ipp/v1`, one segment each: joined by the URL builder, never by formatting
    /// a string that is parsed again.
    pub path: Vec<String>,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<Vec<u8>>,
    pub repeat: Repeat,
    pub authenticated: bool,
    /// A device's own token (`Authorization: Bearer …`), for device-side calls.
    pub bearer: Option<Secret>,
    /// Used in error messages: "list devices".
    pub context: &'a str,
}

impl<'a> Call<'a> {
    /// A call to `/ipp/v1/<segments…>`. An id among the segments has been checked by
    /// [`crate::api::id_segment`]; each segment is still percent-encoded on its own.
    pub fn new(method: Method, segments: &[&str], context: &'a str) -> Self {
        let repeat = if method == Method::GET || method == Method::PUT {
            Repeat::Safe
        } else {
            Repeat::Unsafe
        };
        Self {
            method,
            path: segments
                .iter()
                .map(|segment| (*segment).to_owned())
                .collect(),
            query: Vec::new(),
            body: None,
            repeat,
            authenticated: true,
            bearer: None,
            context,
        }
    }

    pub fn query(mut self, pairs: impl IntoIterator<Item = (&'static str, String)>) -> Self {
        self.query.extend(pairs);
        self
    }

    pub fn json(mut self, body: &impl Serialize) -> Result<Self, ApiError> {
        self.body = Some(serde_json::to_vec(body).map_err(|err| ApiError::Decode {
            context: self.context.to_owned(),
            message: format!("could not encode the request: {err}"),
        })?);
        Ok(self)
    }

    pub fn repeat(mut self, repeat: Repeat) -> Self {
        self.repeat = repeat;
        self
    }

    pub fn unauthenticated(mut self) -> Self {
        self.authenticated = false;
        self
    }

    pub fn bearer(mut self, token: Secret) -> Self {
        self.bearer = Some(token);
        self
    }
}

/// The body of a successful reply.
pub(crate) type Reply = Vec<u8>;

/// The Kustom IPP client. Cheap to clone; clones share one connection pool.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    config: Arc<ClientConfig>,
    /// Which of the budget's lanes this client's requests use.
    lane: Lane,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.config.base_url.as_str())
            .field("merchant_id", &self.config.merchant_id)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Self, ApiError> {
        let http = crate::tls::http_client_builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            // A redirect would carry the merchant id (and a 307/308 the body) to wherever it
            // points, and its answer would be taken for the API's: Kustom's API does not
            // redirect, so a redirect is answered as the error it is.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Fleetdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| ApiError::Config(format!("could not build the HTTP client: {err}")))?;
        Ok(Self {
            http,
            config: Arc::new(config),
            lane: Lane::Foreground,
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The same client, its requests in `lane` of the account's budget (a job's: the background).
    pub fn in_lane(&self, lane: Lane) -> Self {
        Self {
            lane,
            ..self.clone()
        }
    }

    /// `https://host/ipp/v1/<segments…>`, each segment percent-encoded on its own.
    pub fn url<S: AsRef<str>>(&self, segments: &[S]) -> Result<Url, ApiError> {
        let mut url = self.config.base_url.clone();
        url.set_query(None);
        url.set_fragment(None);
        url.path_segments_mut()
            .map_err(|()| ApiError::Config("the base URL cannot have a path".to_owned()))?
            .pop_if_empty()
            .extend(["ipp", "v1"])
            .extend(segments.iter().map(AsRef::as_ref));
        Ok(url)
    }

    /// Sends a call (with retries) and decodes a JSON body. A create that is not safe to repeat
    /// and whose outcome is unknown (timed out, dropped mid-answer, a 5xx) fails with
    /// [`ApiError::OutcomeUnknown`]: the thing may exist, and must be looked for, not re-created.
    pub(crate) async fn json<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, ApiError> {
        let context = call.context.to_owned();
        let unsafe_to_repeat = call.repeat == Repeat::Unsafe;
        match self.send_tracking_uncertainty(call).await {
            Ok(body) => decode(&context, &body),
            Err((error, true)) if unsafe_to_repeat => Err(ApiError::OutcomeUnknown {
                context,
                cause: Box::new(error),
            }),
            Err((error, _)) => Err(error),
        }
    }

    /// [`Client::json`] that also gives back the answer's bytes, exactly as they came (for a cache
    /// that keeps them: decoded and encoded again they would cost a sync's CPU twice).
    pub(crate) async fn json_with_body<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
    ) -> Result<(T, Reply), ApiError> {
        let context = call.context.to_owned();
        let body = self
            .send_tracking_uncertainty(call)
            .await
            .map_err(|(error, _)| error)?;
        Ok((decode(&context, &body)?, body))
    }

    /// Like [`Client::send`]; a failure also says whether an earlier attempt may have been applied.
    pub(crate) async fn send_tracking_uncertainty(
        &self,
        call: Call<'_>,
    ) -> Result<Reply, (ApiError, bool)> {
        let url = self.url(&call.path).map_err(|error| (error, false))?;
        let policy = self.config.retry;
        let mut delays = ExponentialBuilder::default()
            .with_min_delay(policy.min_delay)
            .with_max_delay(policy.max_delay)
            .with_max_times(policy.max_attempts.saturating_sub(1))
            .with_jitter()
            .build();
        let mut uncertain = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Some(budget) = &self.config.budget {
                budget.acquire(self.lane).await;
            }
            let outcome = self.attempt(&url, &call).await;
            let (error, may_repeat, wait) = match outcome {
                Attempt::Done(body) => return Ok(body),
                Attempt::Refused(error) => return Err((error, uncertain)),
                Attempt::Failed(status, problem, retry_after) => {
                    let error = ApiError::from_status(status.as_u16(), problem, retry_after);
                    if status.as_u16() == 429 {
                        // The whole account slows down, not only this request.
                        if let Some(budget) = &self.config.budget {
                            budget.throttled(retry_after.unwrap_or(Duration::from_secs(1)));
                        }
                    }
                    let (may_repeat, applied_maybe) = match status.as_u16() {
                        // Refused before processing: always safe to send again.
                        429 => (true, false),
                        503 | 500 | 502 | 504 => (call.repeat == Repeat::Safe, true),
                        _ => (false, false),
                    };
                    uncertain |= applied_maybe;
                    (error, may_repeat, retry_after)
                }
                Attempt::NotSent(error) => (error, true, None),
                Attempt::Unknown(error) => {
                    uncertain = true;
                    (error, call.repeat == Repeat::Safe, None)
                }
            };
            let backoff = delays.next();
            let Some(backoff) = backoff.filter(|_| may_repeat) else {
                tracing::debug!(method = %call.method, path = %call.path.join("/"), attempt, %error, "request failed");
                return Err((error, uncertain));
            };
            let wait = match wait {
                Some(retry_after) if retry_after > policy.max_retry_after => {
                    return Err((error, uncertain));
                }
                Some(retry_after) => retry_after.max(backoff.min(Duration::from_millis(50))),
                None => backoff,
            };
            tracing::debug!(method = %call.method, path = %call.path.join("/"), attempt, %error, ?wait, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(&self, url: &Url, call: &Call<'_>) -> Attempt {
        let mut url = url.clone();
        if !call.query.is_empty() {
            // Form encoding: `metadata=store_id%3A123`, as the docs ask [DOC §3.4].
            url.query_pairs_mut().extend_pairs(&call.query);
        }
        let mut request = self.http.request(call.method.clone(), url);
        let mut headers = HeaderMap::new();
        if let Some(token) = &call.bearer
            && let Ok(mut value) = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
        {
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        if call.authenticated {
            if let Some(auth) = self.config.credentials.header() {
                headers.insert(AUTHORIZATION, auth);
            }
            if let Some(merchant) = &self.config.merchant_id
                && let Ok(value) = HeaderValue::from_str(merchant)
            {
                headers.insert("x-merchant-id", value);
            }
        }
        if let Some(body) = &call.body {
            headers.insert(
                reqwest::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            request = request.body(body.clone());
        }
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json, application/problem+json"),
        );
        let mut response = match request.headers(headers).send().await {
            Ok(response) => response,
            Err(err) => return classify_send_error(&err),
        };
        let status = response.status();
        let retry_after = parse_retry_after(response.headers());
        // Sizes are not trusted: an answer is read only up to a limit (an error's far lower).
        let limit = if status.is_success() {
            MAX_BODY
        } else {
            MAX_ERROR_BODY
        };
        let mut body = Vec::new();
        let mut cut = false;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = limit - body.len();
                    if chunk.len() > room {
                        body.extend_from_slice(&chunk[..room]);
                        cut = true;
                        break;
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                // Headers arrived, the body did not: the request may well have been processed.
                Err(err) => {
                    return Attempt::Unknown(if err.is_timeout() {
                        ApiError::Timeout
                    } else {
                        ApiError::Offline(format!(
                            "the connection dropped mid-response ({})",
                            bounded(&err.to_string())
                        ))
                    });
                }
            }
        }
        if status.is_success() {
            if cut {
                return Attempt::Refused(ApiError::Decode {
                    context: call.context.to_owned(),
                    message: format!(
                        "the answer is larger than {} MiB; Fleetdesk does not read it",
                        MAX_BODY / (1024 * 1024)
                    ),
                });
            }
            Attempt::Done(body)
        } else {
            let problem = serde_json::from_slice::<Problem>(&body)
                .unwrap_or_else(|_| Problem {
                    detail: plain_text(&body),
                    ..Problem::default()
                })
                .bounded();
            Attempt::Failed(status, problem, retry_after)
        }
    }
}

/// The largest successful answer read (a page of 100 devices is well under 1 MiB).
pub const MAX_BODY: usize = 16 * 1024 * 1024;
/// The largest error answer read: past that, an error text is of no use to anyone.
pub const MAX_ERROR_BODY: usize = 64 * 1024;
enum Attempt {
    Done(Vec<u8>),
    /// Answered in a way that will not change if asked again (too large to read).
    Refused(ApiError),
    Failed(StatusCode, Problem, Option<Duration>),
    /// Certainly not processed (never connected).
    NotSent(ApiError),
    /// May or may not have been processed.
    Unknown(ApiError),
}

fn classify_send_error(err: &reqwest::Error) -> Attempt {
    let text = error_chain(err);
    if err.is_connect() {
        // rustls reports through io::Error; its messages are the only portable signal.
        let lower = text.to_lowercase();
        const TLS_SIGNS: &[&str] = &[
            "certificate",
            "tls",
            "handshake",
            "received corrupt message",
            "received fatal alert",
            "peer is incompatible",
            "peer misbehaved",
        ];
        if TLS_SIGNS.iter().any(|sign| lower.contains(sign)) {
            return Attempt::NotSent(ApiError::Tls(text));
        }
        return Attempt::NotSent(ApiError::Offline(text));
    }
    if err.is_timeout() {
        return Attempt::Unknown(ApiError::Timeout);
    }
    Attempt::Unknown(ApiError::Offline(text))
}

/// The error and its causes, "a: b: c" (reqwest's Display hides the useful part).
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// `Retry-After` in seconds (the HTTP-date form is not used by the API and is ignored).
fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// A non-JSON error body as text, if it is short enough to mean something (an HTML error page
/// is not shown).
fn plain_text(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body).trim().to_owned();
    let looks_like_markup = text.starts_with('<');
    (!text.is_empty() && text.len() <= 200 && !looks_like_markup).then_some(text)
}

pub(crate) fn decode<T: DeserializeOwned>(context: &str, body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|err| ApiError::Decode {
        context: context.to_owned(),
        message: if body.trim_ascii_start().starts_with(b"<") {
            "the answer is HTML, not JSON (a proxy or login page?)".to_owned()
        } else {
            bounded(&err.to_string())
        },
    })
}
