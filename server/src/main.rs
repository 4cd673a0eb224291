//! Thin bootstrap: everything, the command line included, lives in the `server` library so that
//! it can be tested (see `server::cli`).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    server::cli::main().await
}
