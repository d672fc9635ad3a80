//! The one TLS crypto provider the app links, and the only way this workspace builds an HTTP
//! client.
//!
//! reqwest is built with `rustls-no-provider`: its `rustls` feature would link aws-lc-rs, a second
//! and larger implementation of the same primitives (the package-size work in issue 14). Without a
//! provider reqwest panics when a client is built, so every client comes from
//! [`http_client_builder`], which installs *ring* first.

/// Makes *ring* the process's rustls provider. Calling it again, or after someone else installed a
/// provider, changes nothing.
pub fn install_crypto_provider() {
    // `Err` only says a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// `reqwest::Client::builder()` with the crypto provider installed.
pub fn http_client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
}

/// A client with reqwest's defaults, for tools and tests that need nothing else.
pub fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    http_client_builder().build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_build_with_ring_as_the_provider() {
        let client = http_client();
        assert!(client.is_ok(), "{client:?}");
        let installed = rustls::crypto::CryptoProvider::get_default();
        let Some(installed) = installed else {
            panic!("no provider installed");
        };
        // ring's provider offers the same suites as the installed one.
        let ring = rustls::crypto::ring::default_provider();
        assert_eq!(
            format!("{:?}", installed.cipher_suites),
            format!("{:?}", ring.cipher_suites)
        );
    }
}
