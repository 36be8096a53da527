//! Accounts of the website: registration (as an individual or an organization, under the
//! instance's registration mode), passwords (argon2id), sessions, one-time links (invitations
//! and password resets), roles and approval.
//!
//! Invariants: e-mail addresses are stored lower-cased and trimmed; secrets (session cookies,
//! links) are stored only as SHA-256 hashes; the first account of an instance is an active
//! admin; an instance never loses its last active admin; resetting a password ends every
//! session of the account.

use crate::config::Registration;
use crate::db::{Db, Tx, with_pool, with_tx};
use crate::domain::validation::Check;
use crate::error::{Error, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages members and roles, approves registrations, publishes.
    Admin,
    /// Publishes, edits and deletes publications.
    Editor,
    /// Has an account; does not publish.
    Member,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Editor, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Member => "member",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == name)
    }

    /// Admins and editors publish.
    pub fn can_publish(self) -> bool {
        matches!(self, Role::Admin | Role::Editor)
    }
}

/// A person or an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountType {
    Individual,
    Organization,
}

impl AccountType {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::Individual => "individual",
            AccountType::Organization => "organization",
        }
    }

    pub fn parse(name: &str) -> Option<AccountType> {
        match name {
            "individual" => Some(AccountType::Individual),
            "organization" => Some(AccountType::Organization),
            _ => None,
        }
    }
}

/// Whether an account may log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    Active,
    /// Waiting for an admin's approval.
    Pending,
    Disabled,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Pending => "pending",
            AccountStatus::Disabled => "disabled",
        }
    }

    pub fn parse(name: &str) -> Option<AccountStatus> {
        match name {
            "active" => Some(AccountStatus::Active),
            "pending" => Some(AccountStatus::Pending),
            "disabled" => Some(AccountStatus::Disabled),
            _ => None,
        }
    }
}

/// An account as stored (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub account_id: i64,
    pub email: String,
    pub name: String,
    pub account_type: AccountType,
    pub role: Role,
    pub status: AccountStatus,
    pub created_at: DateTime<Utc>,
}

impl Account {
    pub fn is_active(&self) -> bool {
        self.status == AccountStatus::Active
    }
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    account_id: i64,
    email: String,
    name: String,
    account_type: String,
    role: String,
    status: String,
    created_at: DateTime<Utc>,
}

impl From<AccountRow> for Account {
    fn from(row: AccountRow) -> Account {
        Account {
            account_id: row.account_id,
            email: row.email,
            name: row.name,
            account_type: AccountType::parse(&row.account_type).unwrap_or(AccountType::Individual),
            role: Role::parse(&row.role).unwrap_or(Role::Member),
            // An unknown status (a newer version's) must not let anyone in.
            status: AccountStatus::parse(&row.status).unwrap_or(AccountStatus::Disabled),
            created_at: row.created_at,
        }
    }
}

/// The columns of [`AccountRow`].
const ACCOUNT_COLUMNS: &str = "account_id, email, name, account_type, role, status, created_at";

/// A registration as given in the form.
#[derive(Debug, Clone, Default)]
pub struct Registering {
    pub account_type: String,
    pub name: String,
    pub email: String,
    pub password: String,
    /// The secret of an invitation link, in invitation mode.
    pub invitation: Option<String>,
}

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 10;
/// Longest password accepted (argon2 would take anything; a bound keeps requests small).
const MAX_PASSWORD: usize = 1000;

/// What a registration led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registered {
    /// Active now (open mode, an invitation, or the first account).
    Active(Account),
    /// Waiting for an admin's approval.
    Pending(Account),
}

fn check_password(check: &mut Check, field: &str, password: &str) {
    let length = password.chars().count();
    check.require(
        length >= MIN_PASSWORD,
        field,
        format!("must be at least {MIN_PASSWORD} characters"),
    );
    check.require(
        length <= MAX_PASSWORD,
        field,
        format!("must be at most {MAX_PASSWORD} characters"),
    );
}

/// A plausible e-mail address: something@host.tld, no spaces, lower-cased.
fn normalize_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    let (local, host) = email.split_once('@')?;
    let plausible = !local.is_empty()
        && host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && !host.contains('@');
    plausible.then_some(email)
}

/// Password hashing with argon2id (OWASP's parameters: 19 MiB, 2 passes), off the async
/// threads, at most one per core at a time: each takes 19 MiB and tens of milliseconds of a
/// core, so a burst of logins or registrations waits its turn instead of taking the memory.
#[derive(Debug)]
pub struct Passwords {
    slots: tokio::sync::Semaphore,
}

impl Default for Passwords {
    fn default() -> Self {
        Passwords {
            slots: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, usize::from),
            ),
        }
    }
}

/// How long a request waits for a hashing slot before it is told to come back.
const HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl Passwords {
    async fn slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>> {
        match tokio::time::timeout(HASHING_WAIT, self.slots.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Error::Unavailable(
                "too many logins at the same time: try again in a minute".to_string(),
            )),
        }
    }

    /// The argon2id hash of `password`, in PHC string form.
    pub async fn hash(&self, password: &str) -> Result<String> {
        let _slot = self.slot().await?;
        let password = password.to_string();
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
                .map_err(|error| Error::internal(format!("salt: {error}")))?;
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|error| Error::internal(format!("argon2: {error}")))
        })
        .await
        .map_err(|error| Error::internal(format!("hashing task: {error}")))?
    }

    /// Whether `password` matches `hash` (false for a malformed hash).
    async fn verify(&self, password: &str, hash: &str) -> Result<bool> {
        let _slot = self.slot().await?;
        let (password, hash) = (password.to_string(), hash.to_string());
        tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .map_err(|error| Error::internal(format!("hashing task: {error}")))
    }
}

/// The lock of transactions that check and change accounts ("the first account", "the last
/// admin"), for [`Db::begin_exclusive`].
const ACCOUNTS_LOCK: i64 = 0x6a69_7372_0001;

/// A hash no password matches, verified against when the e-mail is unknown so that a login
/// takes as long either way.
const NO_ACCOUNT_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0P9vXH8ChZP2vJmLxQYqn6Hn1mKc2H8dvTqzOB0vv3E";

fn hash_secret(secret: &str) -> String {
    super::tokens::hash(secret)
}

fn new_secret() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// The role and status a registration gets, or why it is refused, read in `tx`: the first
/// account is an active admin; an invitation (in any mode) gives its role, active; otherwise the
/// mode decides. With `consume`, the invitation is used up.
async fn registration_decision(
    tx: &mut Tx,
    mode: Registration,
    invitation: Option<&str>,
    email: &str,
    consume: bool,
) -> Result<(Role, AccountStatus)> {
    let sql = "select account_id from account where email = $1";
    let taken: Option<i64> = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(email)
        .fetch_optional(conn)
        .await)?;
    if taken.is_some() {
        return Err(Error::invalid(
            "email",
            "an account with this address exists: log in, or reset its password",
        ));
    }
    let sql = "select count(*) from account";
    let accounts: i64 = with_tx!(tx, |conn| sqlx::query_scalar(sql).fetch_one(conn).await)?;
    if accounts == 0 {
        return Ok((Role::Admin, AccountStatus::Active));
    }
    if let Some(invitation) = invitation {
        let sql = if consume {
            "update one_time_link set used_at = $1 where token_hash = $2 \
             and purpose = 'invitation' and used_at is null and expires_at > $1 \
             returning role"
        } else {
            "select role from one_time_link where token_hash = $2 \
             and purpose = 'invitation' and used_at is null and expires_at > $1"
        };
        let role: Option<Option<String>> = with_tx!(tx, |conn| sqlx::query_scalar(sql)
            .bind(Utc::now())
            .bind(invitation)
            .fetch_optional(conn)
            .await)?;
        return match role {
            Some(role) => Ok((
                role.as_deref()
                    .and_then(Role::parse)
                    .unwrap_or(Role::Member),
                AccountStatus::Active,
            )),
            None => Err(Error::Forbidden(
                "this invitation link is unknown, used or expired".to_string(),
            )),
        };
    }
    match mode {
        Registration::Closed => Err(Error::Forbidden(
            "registration is closed on this instance".to_string(),
        )),
        Registration::Invitation => Err(Error::Forbidden(
            "registration needs an invitation link on this instance".to_string(),
        )),
        Registration::Open => Ok((Role::Member, AccountStatus::Active)),
        Registration::Approval => Ok((Role::Member, AccountStatus::Pending)),
    }
}

/// Registers an account under `mode`. The first account of the instance is an active admin
/// whatever the mode.
pub async fn register(
    db: &Db,
    passwords: &Passwords,
    mode: Registration,
    input: &Registering,
) -> Result<Registered> {
    let mut check = Check::default();
    let account_type = AccountType::parse(&input.account_type);
    check.require(
        account_type.is_some(),
        "account_type",
        "choose an individual or an organization",
    );
    let name = check.text("name", &input.name, 100);
    let email = normalize_email(&input.email);
    check.require(
        email.is_some(),
        "email",
        "must be an e-mail address such as name@example.org",
    );
    check_password(&mut check, "password", &input.password);
    check.finish()?;
    let (Some(account_type), Some(email)) = (account_type, email) else {
        return Err(Error::internal("checked above"));
    };
    let invitation = input.invitation.as_deref().map(hash_secret);
    // Everything that can refuse is checked before the (costly) hash, in a transaction that
    // only reads (dropped, so rolled back), then again, locked, in the transaction that writes.
    let mut reading = db.begin().await?;
    registration_decision(&mut reading, mode, invitation.as_deref(), &email, false).await?;
    drop(reading);
    let password_hash = passwords.hash(&input.password).await?;
    let now = Utc::now();

    let mut transaction = db.begin_exclusive(ACCOUNTS_LOCK).await?;
    let (role, status) =
        registration_decision(&mut transaction, mode, invitation.as_deref(), &email, true).await?;
    let sql = format!(
        "insert into account (email, name, account_type, password_hash, role, status, \
         created_at, approved_at) values ($1, $2, $3, $4, $5, $6, $7, $8) \
         returning {ACCOUNT_COLUMNS}"
    );
    let row: AccountRow = with_tx!(&mut transaction, |conn| sqlx::query_as(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(&email)
    .bind(&name)
    .bind(account_type.as_str())
    .bind(&password_hash)
    .bind(role.as_str())
    .bind(status.as_str())
    .bind(now)
    .bind((status == AccountStatus::Active).then_some(now))
    .fetch_one(conn)
    .await)?;
    transaction.commit().await?;
    let account = Account::from(row);
    Ok(if account.is_active() {
        Registered::Active(account)
    } else {
        Registered::Pending(account)
    })
}

/// Why a login was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefused {
    /// Unknown e-mail or wrong password (not told apart).
    WrongPassword,
    /// The account waits for an admin's approval.
    Pending,
    /// An admin disabled the account.
    Disabled,
}

/// Checks an e-mail and password.
pub async fn login(
    db: &Db,
    passwords: &Passwords,
    email: &str,
    password: &str,
) -> Result<Result<Account, LoginRefused>> {
    let email = email.trim().to_lowercase();
    let sql = format!("select {ACCOUNT_COLUMNS}, password_hash from account where email = $1");
    let found: Option<(String, Account)> = with_pool!(db, |pool| {
        sqlx::query_as::<_, AccountWithHash>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(&email)
            .fetch_optional(pool)
            .await
    })?
    .map(|row| (row.password_hash.clone(), Account::from(row.account)));
    let hash = found
        .as_ref()
        .map(|(hash, _)| hash.as_str())
        .unwrap_or(NO_ACCOUNT_HASH);
    let matches = passwords.verify(password, hash).await?;
    Ok(match found {
        Some((_, account)) if matches => match account.status {
            AccountStatus::Active => Ok(account),
            AccountStatus::Pending => Err(LoginRefused::Pending),
            AccountStatus::Disabled => Err(LoginRefused::Disabled),
        },
        _ => Err(LoginRefused::WrongPassword),
    })
}

#[derive(sqlx::FromRow)]
struct AccountWithHash {
    #[sqlx(flatten)]
    account: AccountRow,
    password_hash: String,
}

/// A logged-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    pub account: Account,
    /// The token every form of this session carries.
    pub csrf_token: String,
}

/// Starts a session for `account`; returns the cookie's secret.
pub async fn start_session(db: &Db, account: &Account, days: u64) -> Result<(String, Session)> {
    let secret = new_secret();
    let csrf_token = new_secret();
    let now = Utc::now();
    let expires = now + Duration::days(i64::try_from(days).unwrap_or(30));
    let sql = "insert into session (token_hash, account_id, csrf_token, created_at, expires_at) \
               values ($1, $2, $3, $4, $5)";
    with_pool!(db, |pool| sqlx::query(sql)
        .bind(hash_secret(&secret))
        .bind(account.account_id)
        .bind(&csrf_token)
        .bind(now)
        .bind(expires)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok((
        secret,
        Session {
            account: account.clone(),
            csrf_token,
        },
    ))
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    account: AccountRow,
    csrf_token: String,
}

/// The live session whose cookie secret is `secret`, if its account is active.
pub async fn session(db: &Db, secret: &str) -> Result<Option<Session>> {
    let sql = "select a.account_id, a.email, a.name, a.account_type, a.role, a.status, \
               a.created_at, s.csrf_token from session s join account a on a.account_id = s.account_id \
               where s.token_hash = $1 and s.expires_at > $2 and a.status = 'active'";
    let row: Option<SessionRow> = with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(hash_secret(secret))
        .bind(Utc::now())
        .fetch_optional(pool)
        .await)?;
    Ok(row.map(|row| Session {
        account: row.account.into(),
        csrf_token: row.csrf_token,
    }))
}

/// Ends the session whose cookie secret is `secret` (nothing if there is none).
pub async fn end_session(db: &Db, secret: &str) -> Result<()> {
    with_pool!(db, |pool| sqlx::query(
        "delete from session where token_hash = $1"
    )
    .bind(hash_secret(secret))
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Makes an invitation link's secret for a new account with `role`, valid `days` days.
pub async fn invite(db: &Db, role: Role, days: i64) -> Result<String> {
    let secret = new_secret();
    let now = Utc::now();
    let sql = "insert into one_time_link (purpose, token_hash, role, created_at, expires_at) \
               values ('invitation', $1, $2, $3, $4)";
    with_pool!(db, |pool| sqlx::query(sql)
        .bind(hash_secret(&secret))
        .bind(role.as_str())
        .bind(now)
        .bind(now + Duration::days(days))
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(secret)
}

/// How long a password reset link lasts.
pub const RESET_LINK_HOURS: i64 = 24;

/// Makes a password reset link's secret for the account with `email`.
pub async fn reset_link(db: &Db, email: &str) -> Result<String> {
    let account = find_by_email(db, email).await?;
    reset_link_for(db, account.account_id).await
}

/// Makes a password reset link's secret for account `account_id` (`NotFound` if none).
pub async fn reset_link_for(db: &Db, account_id: i64) -> Result<String> {
    let account = find(db, account_id).await?;
    let secret = new_secret();
    let now = Utc::now();
    let sql = "insert into one_time_link (purpose, token_hash, account_id, created_at, expires_at) \
               values ('password_reset', $1, $2, $3, $4)";
    with_pool!(db, |pool| sqlx::query(sql)
        .bind(hash_secret(&secret))
        .bind(account.account_id)
        .bind(now)
        .bind(now + Duration::hours(RESET_LINK_HOURS))
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(secret)
}

/// Whether `secret` is a live password reset link (to show its form).
pub async fn reset_link_is_live(db: &Db, secret: &str) -> Result<bool> {
    let sql = "select one_time_link_id from one_time_link where token_hash = $1 \
               and purpose = 'password_reset' and used_at is null and expires_at > $2";
    let found: Option<i64> = with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(hash_secret(secret))
        .bind(Utc::now())
        .fetch_optional(pool)
        .await)?;
    Ok(found.is_some())
}

/// Sets a new password through a reset link, once; ends every session of the account.
pub async fn reset_password(
    db: &Db,
    passwords: &Passwords,
    secret: &str,
    password: &str,
) -> Result<Account> {
    let mut check = Check::default();
    check_password(&mut check, "password", password);
    check.finish()?;
    let password_hash = passwords.hash(password).await?;
    let now = Utc::now();
    let token_hash = hash_secret(secret);
    let update_account = format!(
        "update account set password_hash = $1 where account_id = $2 returning {ACCOUNT_COLUMNS}"
    );
    let mut transaction = db.begin().await?;
    let account: Account = with_tx!(&mut transaction, |tx| {
        let account_id: Option<i64> = sqlx::query_scalar(
            "update one_time_link set used_at = $1 where token_hash = $2 \
             and purpose = 'password_reset' and used_at is null and expires_at > $1 \
             returning account_id",
        )
        .bind(now)
        .bind(&token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(account_id) = account_id else {
            return Err(Error::Forbidden(
                "this link is unknown, used or expired: ask an admin for a new one".to_string(),
            ));
        };
        let row: AccountRow = sqlx::query_as(sqlx::AssertSqlSafe(update_account.as_str()))
            .bind(&password_hash)
            .bind(account_id)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("delete from session where account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        Account::from(row)
    });
    transaction.commit().await?;
    Ok(account)
}

/// The account `account_id`.
pub async fn find(db: &Db, account_id: i64) -> Result<Account> {
    let sql = format!("select {ACCOUNT_COLUMNS} from account where account_id = $1");
    let row: AccountRow = with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(account_id)
        .fetch_one(pool)
        .await)?;
    Ok(row.into())
}

/// Changes the password of `account` after checking its current one; ends every other session
/// of the account (the one whose cookie secret is `keep` stays).
pub async fn change_password(
    db: &Db,
    passwords: &Passwords,
    account: &Account,
    current: &str,
    password: &str,
    keep: &str,
) -> Result<()> {
    let sql = "select password_hash from account where account_id = $1";
    let hash: String = with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(account.account_id)
        .fetch_one(pool)
        .await)?;
    let mut check = Check::default();
    check_password(&mut check, "password", password);
    if !passwords.verify(current, &hash).await? {
        check.fail("current_password", "is not the current password");
    }
    check.finish()?;
    let password_hash = passwords.hash(password).await?;
    let mut transaction = db.begin().await?;
    with_tx!(&mut transaction, |tx| {
        sqlx::query("update account set password_hash = $1 where account_id = $2")
            .bind(&password_hash)
            .bind(account.account_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from session where account_id = $1 and token_hash <> $2")
            .bind(account.account_id)
            .bind(hash_secret(keep))
            .execute(&mut *tx)
            .await?;
    });
    transaction.commit().await?;
    Ok(())
}

/// The account with `email`.
pub async fn find_by_email(db: &Db, email: &str) -> Result<Account> {
    let sql = format!("select {ACCOUNT_COLUMNS} from account where email = $1");
    let row: AccountRow = with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(email.trim().to_lowercase())
        .fetch_one(pool)
        .await)?;
    Ok(row.into())
}

/// Every account, pending ones first, then by name.
pub async fn list(db: &Db) -> Result<Vec<Account>> {
    let sql = format!(
        "select {ACCOUNT_COLUMNS} from account \
         order by case status when 'pending' then 0 else 1 end, lower(name), account_id"
    );
    let rows: Vec<AccountRow> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .fetch_all(pool)
            .await)?;
    Ok(rows.into_iter().map(Account::from).collect())
}

/// What an admin does to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Approve,
    /// Deletes a pending registration.
    Reject,
    Disable,
    Enable,
    SetRole(Role),
}

/// Applies an admin's `change` to `account_id`; refuses to leave the instance without an
/// active admin.
pub async fn change(db: &Db, account_id: i64, change: Change) -> Result<()> {
    let now = Utc::now();
    let select_account = format!("select {ACCOUNT_COLUMNS} from account where account_id = $1");
    let mut transaction = db.begin_exclusive(ACCOUNTS_LOCK).await?;
    with_tx!(&mut transaction, |tx| {
        let row: Option<AccountRow> = sqlx::query_as(sqlx::AssertSqlSafe(select_account.as_str()))
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
        let account = Account::from(row.ok_or(Error::NotFound)?);
        let removes_admin = account.role == Role::Admin
            && account.is_active()
            && matches!(
                change,
                Change::Disable | Change::SetRole(Role::Editor | Role::Member)
            );
        if removes_admin {
            let admins: i64 = sqlx::query_scalar(
                "select count(*) from account where role = 'admin' and status = 'active'",
            )
            .fetch_one(&mut *tx)
            .await?;
            if admins <= 1 {
                return Err(Error::Forbidden(
                    "this is the last admin: make another member admin first".to_string(),
                ));
            }
        }
        match change {
            Change::Approve => {
                sqlx::query(
                    "update account set status = 'active', approved_at = $1 \
                     where account_id = $2 and status = 'pending'",
                )
                .bind(now)
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            }
            Change::Reject => {
                if account.status != AccountStatus::Pending {
                    return Err(Error::Forbidden(
                        "only a registration waiting for approval can be rejected".to_string(),
                    ));
                }
                for sql in [
                    "delete from one_time_link where account_id = $1",
                    "delete from session where account_id = $1",
                    "delete from account where account_id = $1 and status = 'pending'",
                ] {
                    sqlx::query(sql).bind(account_id).execute(&mut *tx).await?;
                }
            }
            Change::Disable => {
                sqlx::query("update account set status = 'disabled' where account_id = $1")
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("delete from session where account_id = $1")
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
            }
            Change::Enable => {
                sqlx::query(
                    "update account set status = 'active' where account_id = $1 \
                     and status = 'disabled'",
                )
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            }
            Change::SetRole(role) => {
                sqlx::query("update account set role = $1 where account_id = $2")
                    .bind(role.as_str())
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
    });
    transaction.commit().await?;
    Ok(())
}

/// Deletes expired sessions and one-time links.
pub async fn forget_expired(db: &Db) -> Result<()> {
    let now = Utc::now();
    for sql in [
        "delete from session where expires_at < $1",
        "delete from one_time_link where expires_at < $1",
    ] {
        with_pool!(db, |pool| sqlx::query(sql)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lower_cased_and_plausible() {
        assert_eq!(
            normalize_email("  Amina@Example.ORG "),
            Some("amina@example.org".to_string())
        );
        for bad in [
            "",
            "amina",
            "@example.org",
            "amina@example",
            "a b@example.org",
            "a@.org",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_verify() {
        let passwords = Passwords::default();
        assert!(
            PasswordHash::new(NO_ACCOUNT_HASH).is_ok(),
            "a well-formed hash"
        );
        let hash = passwords.hash("correct horse battery").await.expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(
            passwords
                .verify("correct horse battery", &hash)
                .await
                .expect("verify")
        );
        assert!(
            !passwords
                .verify("wrong horse battery", &hash)
                .await
                .expect("verify")
        );
        assert!(
            !passwords
                .verify("anything", NO_ACCOUNT_HASH)
                .await
                .expect("verify")
        );
    }
}
