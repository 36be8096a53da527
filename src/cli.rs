//! The command line: parse, then call a library function. No logic lives here.

use crate::app::{AppState, Instance};
use crate::config::Config;
use crate::db::Db;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Jisr: a federated community server for diaspora organizations.
///
/// Each organization runs its own instance; what it publishes federates to other Jisr instances
/// and to Mastodon. Configure it with one TOML file (see config.example.toml).
#[derive(Debug, Parser)]
#[command(name = "jisr", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server: apply pending migrations, then serve HTTP and deliver activities.
    ///
    /// With no --config the built-in defaults are used (SQLite in data/jisr.db, http on
    /// 127.0.0.1:8080, domain localhost:8080). JISR_<SECTION>_<KEY> variables override any key.
    Serve {
        /// The configuration file.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        /// The configuration file (its [database] url is used).
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Check a configuration file (and the environment overrides) without starting anything.
    CheckConfig {
        /// The configuration file to check.
        file: PathBuf,
    },
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { config } => serve(Config::load(config.as_deref())?).await,
        Command::Migrate { config } => {
            let config = Config::load(config.as_deref())?;
            let db = Db::connect(&config.database.url, config.database.max_connections).await?;
            db.migrate().await?;
            println!("migrations applied");
            Ok(())
        }
        Command::CheckConfig { file } => {
            let config = Config::load(Some(&file))?;
            println!(
                "{}: valid; @{}@{} at {}",
                file.display(),
                config.instance.handle,
                config.instance.domain,
                config.instance.base_url()
            );
            Ok(())
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let listen = config.server.listen;
    let db = Db::connect(&config.database.url, config.database.max_connections).await?;
    db.migrate().await?;
    let state = AppState::new(config, db).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let instance = Instance::start(state.clone(), listener)?;
    let organization = &state.actors().organization;
    tracing::info!(
        address = %instance.address,
        actor = %organization.id,
        "serving @{}@{}",
        organization.username,
        state.config().instance.domain
    );
    instance
        .run_until(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("stopping");
        })
        .await
}
