//! The command line: parse, then call a library function. No logic lives here.

use crate::app::{AppState, Instance};
use crate::config::Config;
use crate::db::Db;
use crate::domain::publication::{Draft, Input, Kind};
use crate::domain::{accounts, tokens};
use crate::federation::{delivery, following, outbox};
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
    /// Publish a story, event, opportunity or resource from a TOML file (see docs/publishing.md).
    ///
    /// Followers receive it from the running server's delivery workers.
    Publish {
        /// story, event, opportunity or resource.
        kind: String,
        /// The TOML file with the publication.
        file: PathBuf,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Replace a publication's content from a TOML file; followers receive an Update.
    Edit {
        /// story, event, opportunity or resource.
        kind: String,
        /// The publication's id (the last part of its URL).
        id: String,
        /// The TOML file with the new content.
        file: PathBuf,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Delete a publication; followers receive a Delete and its URL answers 410 Gone.
    Delete {
        /// story, event, opportunity or resource.
        kind: String,
        /// The publication's id (the last part of its URL).
        id: String,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Withdraw a story's consent: the story is deleted here and everywhere it was sent (a
    /// Delete); only the fact of the withdrawal is kept.
    WithdrawConsent {
        /// The story's id (the last part of its URL).
        id: String,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Follow another organization (a handle such as @org@example.org, or an actor URL): what
    /// it publishes will reach this instance.
    Follow {
        /// `@name@host` or the actor's URL.
        target: String,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// List whom the organization follows, and whether each accepted.
    Following {
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Stop following an organization (a handle or an actor URL): it is told with an Undo, and
    /// what it published disappears from this instance.
    Unfollow {
        /// `@name@host` or the actor's URL.
        target: String,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Manage the editors' API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
        #[arg(long, short, global = true)]
        config: Option<PathBuf>,
    },
    /// Website accounts: list them, make a password reset link or an invitation link.
    Account {
        #[command(subcommand)]
        action: AccountAction,
        #[arg(long, short, global = true)]
        config: Option<PathBuf>,
    },
    /// The domain policy: block, limit or allow other servers; list, import and export it in
    /// Mastodon's CSV blocklist format.
    Domain {
        #[command(subcommand)]
        action: DomainAction,
        #[arg(long, short, global = true)]
        config: Option<PathBuf>,
    },
    /// Show the delivery queue: pending and failed deliveries per host, unreachable hosts.
    Queue {
        #[command(subcommand)]
        action: QueueAction,
        #[arg(long, short, global = true)]
        config: Option<PathBuf>,
    },
    /// Public data: import the World Bank's remittance prices, flows and migrant stocks.
    Data {
        #[command(subcommand)]
        action: DataAction,
        #[arg(long, short, global = true)]
        config: Option<PathBuf>,
    },
    /// Benchmarks that print their figures against a baseline measured in the same run.
    Bench {
        #[command(subcommand)]
        benchmark: crate::bench::Benchmark,
    },
}

#[derive(Debug, Subcommand)]
enum TokenAction {
    /// Make a token for an editor; it is printed once and stored only as a hash.
    Create {
        /// Who or what the token is for.
        name: String,
    },
    /// List the tokens (never their secrets).
    List,
    /// Revoke a token by its number.
    Revoke { id: i64 },
}

#[derive(Debug, Subcommand)]
enum AccountAction {
    /// List the accounts: id (a publication's `author`), e-mail, name, type, role, status.
    List,
    /// Print a one-time link (valid 24 hours) to set a new password for the account with EMAIL.
    ResetLink { email: String },
    /// Print a one-time link (valid 7 days) to register with ROLE (admin, editor or member),
    /// whatever the registration mode.
    Invite {
        #[arg(long, default_value = "member")]
        role: String,
    },
    #[command(flatten)]
    Moderation(ModerationAction),
}

/// The moderation of one account (`jisr account suspend …`).
#[derive(Debug, Subcommand)]
enum ModerationAction {
    /// Suspend ACCOUNT (a member's username, @name@host or an actor's id): nothing it sends is
    /// taken and its content is hidden; a member is logged out and their actor is gone (410).
    Suspend {
        account: String,
        /// Why, for the moderation log.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Limit ACCOUNT: its replies and forum posts wait for a moderator.
    Limit {
        account: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Lift ACCOUNT's suspension or limit: what a suspension hid is shown again.
    Lift {
        account: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// List the accounts suspended or limited: actor id, decision, since, reason.
    Moderated,
}

/// The reasons a domain policy may carry.
#[derive(Debug, clap::Args)]
struct Reasons {
    /// Why, in the public moderation log.
    #[arg(long, default_value = "")]
    public_reason: String,
    /// A note for the moderators only.
    #[arg(long, default_value = "")]
    private_note: String,
    /// Show the domain partly hidden in the public log.
    #[arg(long)]
    obfuscate: bool,
}

#[derive(Debug, Subcommand)]
enum DomainAction {
    /// Refuse everything from DOMAIN (and its subdomains), send and fetch nothing there; its
    /// followers are removed, deliveries to it cancelled, its content erased.
    Block {
        domain: String,
        #[command(flatten)]
        reasons: Reasons,
    },
    /// Keep DOMAIN's content out of the network's lists and feeds, and hold its replies.
    Limit {
        domain: String,
        #[command(flatten)]
        reasons: Reasons,
    },
    /// Allow DOMAIN (what allowlist mode federates with).
    Allow {
        domain: String,
        #[command(flatten)]
        reasons: Reasons,
    },
    /// Remove DOMAIN's policy.
    Remove { domain: String },
    /// List the policies: domain, severity, where it comes from, public reason.
    List,
    /// Import a blocklist in Mastodon's CSV format (or one domain a line): prints what it would
    /// change, and changes it with --yes.
    Import {
        file: PathBuf,
        /// Apply the changes (without it, only show them).
        #[arg(long)]
        yes: bool,
    },
    /// Print the blocks and limits in Mastodon's CSV format.
    Export,
}

#[derive(Debug, Subcommand)]
enum DataAction {
    /// Import a file as its publisher gives it: `rpw` (the World Bank's Remittance Prices
    /// Worldwide (Corridors), the DataBank CSV export as downloaded), `flows` (bilateral
    /// remittances, sending_iso3,…,receiving_iso3,…,usd_millions), `stocks` (bilateral migrant
    /// stocks, origin_iso3,…,destination_iso3,…,migrants) or `ecb` (the European Central
    /// Bank's euro reference rates: eurofxref-hist.csv, eurofxref.csv or eurofxref-daily.xml).
    /// A newer file replaces the values it has.
    Import {
        /// rpw, flows or stocks.
        dataset: String,
        file: PathBuf,
        /// The year of a file of flows or stocks (by default, the year in its name).
        #[arg(long)]
        year: Option<i32>,
    },
    /// Set the mid-market rate of CURRENCY (units per euro) on a day, for a currency the
    /// European Central Bank does not publish (XOF, SYP…).
    Rate {
        currency: String,
        per_euro: f64,
        /// The day (YYYY-MM-DD); today by default.
        #[arg(long)]
        day: Option<chrono::NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
enum QueueAction {
    /// Pending, failed and unreachable counts per domain.
    Status,
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
        Command::Publish { kind, file, config } => {
            let state = open(config.as_deref()).await?;
            let draft = read_draft(&state, &kind, &file)?;
            let published = outbox::publish(&state, &draft).await?;
            let url = state
                .urls()
                .publication(published.kind, &published.public_id);
            println!(
                "published {} {}\n{url}",
                published.kind.as_str(),
                published.public_id
            );
            Ok(())
        }
        Command::Edit {
            kind,
            id,
            file,
            config,
        } => {
            let state = open(config.as_deref()).await?;
            let draft = read_draft(&state, &kind, &file)?;
            let edited = outbox::edit(&state, parse_kind(&kind)?, &id, &draft).await?;
            println!("edited {} {}", edited.kind.as_str(), edited.public_id);
            Ok(())
        }
        Command::Delete { kind, id, config } => {
            let state = open(config.as_deref()).await?;
            let deleted = outbox::remove(&state, parse_kind(&kind)?, &id).await?;
            println!("deleted {} {}", deleted.kind.as_str(), deleted.public_id);
            Ok(())
        }
        Command::WithdrawConsent { id, config } => {
            let state = open(config.as_deref()).await?;
            let withdrawn = outbox::withdraw_consent(
                &state,
                &id,
                crate::domain::consent::WithdrawnBy::CommandLine,
            )
            .await?;
            println!("consent withdrawn: story {} deleted", withdrawn.public_id);
            Ok(())
        }
        Command::Follow { target, config } => {
            let state = open(config.as_deref()).await?;
            let actor = following::follow(&state, &target).await?;
            println!("follow sent to {actor}; it is accepted when {actor} answers");
            let experts = crate::federation::network_experts::read(&state, &actor).await;
            match experts {
                Ok(0) => {}
                Ok(count) => println!("{count} of its experts read, for the experts directory"),
                Err(error) => println!("its experts could not be read: {error}"),
            }
            Ok(())
        }
        Command::Following { config } => {
            let state = open(config.as_deref()).await?;
            let list =
                following::list(state.db(), state.actors().organization().local_actor_id).await?;
            for entry in list {
                let status = match (entry.accepted_at, entry.rejected_at) {
                    (_, Some(at)) => format!("rejected {at}"),
                    (Some(at), None) => format!("accepted {at}"),
                    (None, None) => "pending".to_string(),
                };
                println!("{}\t{status}", entry.target_ap_id);
            }
            Ok(())
        }
        Command::Unfollow { target, config } => {
            let state = open(config.as_deref()).await?;
            let actor = following::actor_url(&state, &target).await?;
            if following::unfollow(&state, &actor).await? {
                println!("unfollowed {actor}");
            } else {
                println!("{actor} was not followed");
            }
            Ok(())
        }
        Command::Token { action, config } => {
            let config = Config::load(config.as_deref())?;
            let db = connect(&config).await?;
            match action {
                TokenAction::Create { name } => {
                    let (id, token) = tokens::create(&db, &name).await?;
                    println!(
                        "token {id} for {name}:\n{token}\nKeep it secret: it is not shown again."
                    );
                }
                TokenAction::List => {
                    for token in tokens::list(&db).await? {
                        let state = match token.revoked_at {
                            Some(at) => format!("revoked {at}"),
                            None => format!(
                                "last used {}",
                                token
                                    .last_used_at
                                    .map_or("never".to_string(), |at| at.to_string())
                            ),
                        };
                        println!(
                            "{}\t{}\tcreated {}\t{state}",
                            token.api_token_id, token.name, token.created_at
                        );
                    }
                }
                TokenAction::Revoke { id } => {
                    tokens::revoke(&db, id).await?;
                    println!("token {id} revoked");
                }
            }
            Ok(())
        }
        Command::Account { action, config } => {
            let path = config;
            let config = Config::load(path.as_deref())?;
            let db = connect(&config).await?;
            let urls = crate::federation::urls::Urls::new(&config.instance);
            match action {
                AccountAction::Moderation(action) => {
                    let state = AppState::new(config, db).await?;
                    account_moderation(&state, action).await?;
                }
                AccountAction::List => {
                    for account in accounts::list(&db).await? {
                        println!(
                            "{}\t{}\t{}\t{}\t{}\t{}",
                            account.account_id,
                            account.email,
                            account.name,
                            account.account_type.as_str(),
                            account.role.as_str(),
                            account.status.as_str()
                        );
                    }
                }
                AccountAction::ResetLink { email } => {
                    let secret =
                        accounts::reset_link(&db, &email)
                            .await
                            .map_err(|error| match error {
                                crate::error::Error::NotFound => {
                                    anyhow::anyhow!("no account has the address {email}")
                                }
                                other => other.into(),
                            })?;
                    println!(
                        "{}\nGive this link to its owner only; it works once, within {} hours.",
                        urls.reset_link(&secret),
                        accounts::RESET_LINK_HOURS
                    );
                }
                AccountAction::Invite { role } => {
                    let role = accounts::Role::parse(&role).ok_or_else(|| {
                        anyhow::anyhow!("--role must be admin, editor or member, not {role:?}")
                    })?;
                    let secret = accounts::invite(&db, role, 7).await?;
                    println!(
                        "{}\nIt registers one account as {}, once, within 7 days.",
                        urls.invitation(&secret),
                        role.as_str()
                    );
                }
            }
            Ok(())
        }
        Command::Data {
            action:
                DataAction::Import {
                    dataset,
                    file,
                    year,
                },
            config,
        } => {
            let config = Config::load(config.as_deref())?;
            let db = connect(&config).await?;
            import_data(&db, &dataset, &file, year).await
        }
        Command::Data {
            action:
                DataAction::Rate {
                    currency,
                    per_euro,
                    day,
                },
            config,
        } => {
            let config = Config::load(config.as_deref())?;
            let db = connect(&config).await?;
            let day = day.unwrap_or_else(|| chrono::Utc::now().date_naive());
            crate::domain::remittances::rates::set_admin_rate(&db, day, &currency, per_euro)
                .await?;
            println!(
                "{}: {per_euro} per euro on {day}",
                currency.to_ascii_uppercase()
            );
            Ok(())
        }
        Command::Domain { action, config } => {
            let state = open(config.as_deref()).await?;
            domain_command(&state, action).await
        }
        Command::Queue {
            action: QueueAction::Status,
            config,
        } => {
            let config = Config::load(config.as_deref())?;
            let db = connect(&config).await?;
            let hosts = delivery::status(&db).await?;
            if hosts.is_empty() {
                println!("the delivery queue is empty");
                return Ok(());
            }
            println!(
                "{:<40} {:>8} {:>8}  unreachable since",
                "host", "pending", "failed"
            );
            for host in hosts {
                println!(
                    "{:<40} {:>8} {:>8}  {}{}",
                    host.host,
                    host.pending,
                    host.failed,
                    host.unreachable_since
                        .map_or("-".to_string(), |at| at.to_string()),
                    host.last_error
                        .map_or(String::new(), |error| format!("  ({error})")),
                );
            }
            Ok(())
        }
        Command::Bench { benchmark } => crate::bench::run(benchmark).await,
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

fn parse_kind(kind: &str) -> anyhow::Result<Kind> {
    Kind::parse(kind).ok_or_else(|| {
        anyhow::anyhow!("{kind:?} is not a kind: use story, event, opportunity or resource")
    })
}

/// Reads and validates a publication file; each invalid field is named.
fn read_draft(state: &AppState, kind: &str, file: &std::path::Path) -> anyhow::Result<Draft> {
    let kind = parse_kind(kind)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    Input::from_toml(&text)
        .and_then(|input| input.validate(kind, &state.config().instance.languages))
        .with_context(|| format!("{}", file.display()))
}

async fn connect(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(&config.database.url, config.database.max_connections).await?;
    db.migrate().await?;
    Ok(db)
}

/// The instance's state, for commands that act as the organization.
async fn open(config: Option<&std::path::Path>) -> anyhow::Result<AppState> {
    let config = Config::load(config)?;
    let db = connect(&config).await?;
    AppState::new(config, db).await
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
    let organization = &state.actors().organization();
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

/// `jisr data import DATASET FILE`: reads the file as it comes and says what it read,
/// skipped and replaced; a bar shows the writing on a terminal.
async fn import_data(
    db: &Db,
    dataset: &str,
    file: &std::path::Path,
    year: Option<i32>,
) -> anyhow::Result<()> {
    use crate::domain::remittances::{self, Dataset};
    use std::io::{IsTerminal, Write};
    let raw = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let text = String::from_utf8(raw)
        .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", file.display()))?;
    if dataset == "ecb" {
        let rates = remittances::rates::read_ecb(&text)
            .map_err(|why| anyhow::anyhow!("{}: {why}", file.display()))?;
        for skipped in &rates.skipped {
            println!("line {} skipped: {}", skipped.line, skipped.why);
        }
        let written = remittances::rates::import_ecb(db, &rates).await?;
        println!(
            "ecb: {} days, {written} rates, {} skipped",
            rates.days.len(),
            rates.skipped.len()
        );
        return Ok(());
    }
    let Some(which) = Dataset::parse(dataset) else {
        anyhow::bail!("there is no dataset {dataset:?}: give rpw, flows, stocks or ecb");
    };
    let terminal = std::io::stderr().is_terminal();
    let progress = move |done: usize, total: usize| {
        if terminal && total > 0 {
            let filled = done * 30 / total;
            eprint!(
                "\r[{}{}] {done}/{total}",
                "#".repeat(filled),
                " ".repeat(30 - filled)
            );
            let _ = std::io::stderr().flush();
        }
    };
    let imported = match which {
        Dataset::Prices => remittances::import_prices(db, &text, &progress).await,
        Dataset::Flows | Dataset::Stocks => {
            let year = match year {
                Some(year) => year,
                None => year_in(file).ok_or_else(|| {
                    anyhow::anyhow!("{} names no year: give it with --year", file.display())
                })?,
            };
            remittances::import_pairs(db, which, year, &text, &progress).await
        }
    };
    if terminal {
        eprintln!();
    }
    let imported = match imported {
        Ok(imported) => imported,
        Err(crate::error::Error::Invalid(errors)) => {
            let why: Vec<String> = errors.iter().map(|error| error.reason.clone()).collect();
            anyhow::bail!("{}: {}", file.display(), why.join("; "));
        }
        Err(other) => return Err(other.into()),
    };
    for (line, why) in &imported.skipped {
        println!("line {line} skipped: {why}");
    }
    println!(
        "{}: {} rows read, {} kept{}, {} skipped; {} values added, {} replaced, {} unchanged",
        which.as_str(),
        imported.rows,
        imported.kept,
        if which == Dataset::Prices {
            format!(
                " ({} corridors with figures; {} pairs without any)",
                imported.kept, imported.without_figures
            )
        } else {
            String::new()
        },
        imported.skipped.len(),
        imported.added,
        imported.replaced,
        imported.unchanged
    );
    Ok(())
}

/// The year a file's name holds (`bilateral_remittances_2017.csv` → 2017).
fn year_in(file: &std::path::Path) -> Option<i32> {
    let name = file.file_name()?.to_str()?;
    name.split(|c: char| !c.is_ascii_digit())
        .filter(|part| part.len() == 4)
        .filter_map(|part| part.parse::<i32>().ok())
        .find(|year| (1960..=2100).contains(year))
}

/// `jisr account suspend|limit|lift|moderated`.
async fn account_moderation(state: &AppState, action: ModerationAction) -> anyhow::Result<()> {
    use crate::domain::account_policy::AccountSeverity;
    use crate::domain::audit::Who;
    use crate::federation::suspensions;
    let who = Who::command_line();
    let (account, severity, reason) = match action {
        ModerationAction::Suspend { account, reason } => {
            (account, Some(AccountSeverity::Suspend), reason)
        }
        ModerationAction::Limit { account, reason } => {
            (account, Some(AccountSeverity::Limit), reason)
        }
        ModerationAction::Lift { account, reason } => (account, None, reason),
        ModerationAction::Moderated => {
            for listed in suspensions::listed(state).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    listed.policy.actor_ap_id,
                    listed.policy.severity.as_str(),
                    listed.policy.updated_at.to_rfc3339(),
                    listed.policy.reason
                );
            }
            return Ok(());
        }
    };
    let subject = suspensions::subject(state, &account).await?;
    match severity {
        Some(severity) => {
            let effects = suspensions::set(state, &who, &subject, severity, &reason).await?;
            println!(
                "{}: {} ({} replies, {} forum posts and {} network items hidden; {} shown again; \
                 {} follows removed)",
                subject.actor_ap_id,
                severity.as_str(),
                effects.hidden.replies,
                effects.hidden.forum_posts,
                effects.hidden.network_items,
                effects.shown.replies + effects.shown.forum_posts + effects.shown.network_items,
                effects.follows_removed
            );
        }
        None => {
            if suspensions::lift(state, &who, &subject, &reason).await? {
                println!("{}: lifted", subject.actor_ap_id);
            } else {
                println!("{} is neither suspended nor limited", subject.actor_ap_id);
            }
        }
    }
    // Deliveries queued (a member's `Delete` or `Update`) go out with the server.
    Ok(())
}

/// `jisr domain …`.
async fn domain_command(state: &AppState, action: DomainAction) -> anyhow::Result<()> {
    use crate::domain::audit::Who;
    use crate::domain::policy::{self, DomainPolicy, Severity};
    use crate::federation::policy as in_force;
    let who = Who::command_line();
    let set = |domain: String, severity: Severity, reasons: Reasons| DomainPolicy {
        domain,
        severity,
        reject_media: false,
        reject_reports: false,
        public_comment: reasons.public_reason,
        private_comment: reasons.private_note,
        obfuscate: reasons.obfuscate,
    };
    let policy = match action {
        DomainAction::Block { domain, reasons } => set(domain, Severity::Block, reasons),
        DomainAction::Limit { domain, reasons } => set(domain, Severity::Limit, reasons),
        DomainAction::Allow { domain, reasons } => set(domain, Severity::Allow, reasons),
        DomainAction::Remove { domain } => {
            if in_force::remove(state, &who, &domain).await? {
                println!("{domain}: policy removed");
            } else {
                println!("{domain} has no policy of its own");
            }
            return Ok(());
        }
        DomainAction::List => {
            for listed in in_force::listed(state).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    listed.policy.domain,
                    listed.policy.severity.as_str(),
                    if listed.configured {
                        "configuration"
                    } else {
                        "admin"
                    },
                    listed.policy.public_comment
                );
            }
            return Ok(());
        }
        DomainAction::Export => {
            let policies: Vec<DomainPolicy> = policy::all(state.db())
                .await?
                .into_iter()
                .map(|(policy, _)| policy)
                .collect();
            print!("{}", policy::write_csv(&policies));
            return Ok(());
        }
        DomainAction::Import { file, yes } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let imported = policy::read_csv(&text);
            for (line, why) in &imported.skipped {
                println!("line {line} skipped: {why}");
            }
            let current = policy::all(state.db())
                .await?
                .into_iter()
                .map(|(policy, _)| (policy.domain.clone(), policy))
                .collect();
            let changes = policy::changes(&current, &imported.policies);
            for added in &changes.added {
                println!("+ {} {}", added.domain, added.severity.as_str());
            }
            for (before, after) in &changes.changed {
                println!(
                    "~ {} {} -> {}",
                    after.domain,
                    before.severity.as_str(),
                    after.severity.as_str()
                );
            }
            println!(
                "{} to add, {} to change, {} unchanged, {} lines skipped",
                changes.added.len(),
                changes.changed.len(),
                changes.unchanged,
                imported.skipped.len()
            );
            if !yes {
                if !changes.is_empty() {
                    println!("nothing changed yet: run again with --yes to apply");
                }
                return Ok(());
            }
            let effects = in_force::import(state, &who, &changes.to_apply()).await?;
            println!(
                "applied: {} followers removed, {} deliveries cancelled, {} items erased, {} hidden",
                effects.followers_removed,
                effects.deliveries_cancelled,
                effects.content_erased,
                effects.content_hidden
            );
            return Ok(());
        }
    };
    let severity = policy.severity;
    let effects = in_force::set(state, &who, &policy).await?;
    println!(
        "{}: {} ({} followers removed, {} follows forgotten, {} deliveries cancelled, {} items \
         erased, {} replies hidden, {} forum posts removed, {} items hidden, {} shown again)",
        policy::normalize_domain(&policy.domain).unwrap_or(policy.domain),
        severity.as_str(),
        effects.followers_removed,
        effects.follows_forgotten,
        effects.deliveries_cancelled,
        effects.content_erased,
        effects.replies_hidden,
        effects.forum_posts_removed,
        effects.content_hidden,
        effects.content_shown
    );
    Ok(())
}
