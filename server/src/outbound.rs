//! Outbound HTTPS clients (Twilio, MercadoPago): the public roots, plus the certificate
//! authorities of `OUTBOUND_CA_FILE` when set (a private egress proxy's CA, or the local CA of
//! `scripts/cluster-test.sh`, whose fake Twilio answers over HTTPS so production's https-only
//! rule still holds).

use std::path::Path;

/// A client builder trusting the extra authorities of `ca_file`, if any.
pub fn client_builder(ca_file: Option<&Path>) -> anyhow::Result<reqwest::ClientBuilder> {
    let mut builder = reqwest::Client::builder();
    if let Some(path) = ca_file {
        let pem = std::fs::read(path).map_err(|err| anyhow::anyhow!("OUTBOUND_CA_FILE cannot be read: {err}"))?;
        for certificate in reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|err| anyhow::anyhow!("OUTBOUND_CA_FILE is not a PEM bundle: {err}"))?
        {
            builder = builder.add_root_certificate(certificate);
        }
    }
    Ok(builder)
}
