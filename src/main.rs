//! `waypost` binary: runs the web server.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use waypost::config::Config;
use waypost::state::AppState;

/// Threads for blocking work (file reads, password hashing, image processing). Hashing and
/// images have their own per-core slots; the cap keeps a burst of anything else from starting
/// hundreds of threads, each with its own stack and allocator arena (tokio's default is 512).
const MAX_BLOCKING_THREADS: usize = 32;

/// jemalloc instead of glibc's malloc: glibc keeps what a burst freed in per-thread arenas, so
/// the server stayed at its peak (~130 MB after a load run) while idle; jemalloc's background
/// thread hands unused pages back within about a second (docs/reliability.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Read by jemalloc at start-up (the `_rjem_` prefix is tikv-jemallocator's symbol prefix).
#[allow(non_upper_case_globals)]
#[export_name = "_rjem_malloc_conf"]
pub static malloc_conf: &[u8] = b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0\0";

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(run()),
        Err(error) => {
            eprintln!("waypost: cannot start the async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    init_tracing(&config);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None | Some("serve") => serve(config).await,
        Some("seed") => seed(config, &args[1..]).await,
        Some("worker") => worker(config, &args[1..]).await,
        Some("healthcheck") => healthcheck(&config).await,
        Some("createsuperuser") => createsuperuser(config, &args[1..]).await,
        Some("import-django") => import_django(config, &args[1..]).await,
        Some("help") | Some("--help") | Some("-h") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => {
            eprintln!("waypost: unknown command {other:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("waypost: {error}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str =
    "usage: waypost [serve]\n       waypost worker [--workers N]\n       waypost healthcheck\n       waypost import-django --from POSTGRES_URL [--media-from DIR_OR_URL] [--dry-run]\n       waypost createsuperuser --username NAME --email ADDRESS   (password: WAYPOST_SUPERUSER_PASSWORD or one line on stdin)\n       waypost seed [--articles N] [--writers N] [--travellers N] [--ratings N] [--comments N] [--long-thread N]";

/// `waypost seed`: demo and benchmark data (see `waypost::seed`).
async fn seed(config: Config, args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let mut options = waypost::seed::SeedOptions {
        writers: 50,
        travellers: 300,
        articles: 200,
        ratings: 0,
        comments: 0,
        long_thread: 0,
    };
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest
            .next()
            .ok_or_else(|| format!("{flag} needs a number"))?
            .parse::<usize>()
            .map_err(|_| format!("{flag} needs a whole number"))?;
        match flag.as_str() {
            "--articles" => options.articles = value,
            "--writers" => options.writers = value,
            "--travellers" => options.travellers = value,
            "--ratings" => options.ratings = value,
            "--comments" => options.comments = value,
            "--long-thread" => options.long_thread = value,
            other => return Err(format!("unknown option {other}\n\n{USAGE}").into()),
        }
    }
    let pool = waypost::db::connect_and_migrate(&config.database_url).await?;
    waypost::seed::run(&pool, &options)
        .await
        .map_err(|e| format!("seeding failed: {e}"))?;
    Ok(())
}

async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let leptos_options = leptos::prelude::get_configuration(None)
        .map_err(|e| format!("Leptos configuration: {e}"))?
        .leptos_options;
    let addr = leptos_options.site_addr;
    tracing::info!(config = ?config, "starting");
    check_hash_file(&leptos_options)?;

    let pool = waypost::db::connect_and_migrate(&config.database_url).await?;
    let redis = waypost::redis::connect(&config.redis_url)
        .await
        .map_err(|e| format!("cannot connect to Redis: {e}"))?;
    let workers = start_mail_workers(
        &config,
        waypost::mail::queue::Queue::new(redis.clone(), &config.redis_prefix),
        &pool,
        config.mail.workers,
    )?;
    let cache_redis = match &config.cache_redis_url {
        Some(url) => waypost::redis::connect(url)
            .await
            .map_err(|e| format!("cannot connect to the cache's Redis: {e}"))?,
        None => redis.clone(),
    };
    let state = AppState::build(config, leptos_options, pool, redis, cache_redis)?;
    let listeners = waypost::web::listen::Listeners::bind(addr, &state.config)?;
    let scheme = if state.config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    println!("Waypost is running at {scheme}://{addr}");
    if let Some(redirect) = &listeners.redirect {
        if let Ok(local) = redirect.local_addr() {
            println!("  plain HTTP on {local} redirects to HTTPS");
        }
    }
    let config = state.config.clone();
    let app = waypost::web::router(state);
    waypost::web::listen::serve(app, &config, listeners, shutdown_signal()).await?;
    if let Some(workers) = workers {
        workers.shutdown(Duration::from_secs(30)).await;
    }
    Ok(())
}

/// With hashed bundle names, every page needs hash.txt (written by cargo-leptos next to the
/// binary): refuse to start without it rather than fail on every request.
fn check_hash_file(options: &leptos::prelude::LeptosOptions) -> Result<(), String> {
    if !options.hash_files {
        return Ok(());
    }
    let path = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())))
        .unwrap_or_else(|| options.hash_file.as_ref().into());
    if path.is_file() {
        Ok(())
    } else {
        Err(format!(
            "LEPTOS_HASH_FILES=true but {} is missing: copy the hash.txt that `cargo leptos build` \
             wrote next to the binary, or set LEPTOS_HASH_FILE_NAME",
            path.display()
        ))
    }
}

/// The mail worker pool; it also runs the subscriptions' mailings (fan-outs, digests).
fn start_mail_workers(
    config: &Config,
    queue: waypost::mail::queue::Queue,
    pool: &sqlx::PgPool,
    count: usize,
) -> Result<Option<waypost::mail::worker::WorkerPool>, Box<dyn std::error::Error>> {
    if count == 0 {
        return Ok(None);
    }
    let mailer = waypost::mail::Mailer::from_config(&config.mail, count)
        .map_err(|e| format!("mail backend: {e}"))?;
    tracing::info!(workers = count, backend = ?config.mail.backend, "mail workers started");
    let mailings = waypost::subscriptions::server::Deliveries::new(
        pool.clone(),
        &config.site_url,
        config.mail.digest,
    );
    let settings =
        waypost::mail::worker::WorkerSettings::from(&config.mail).with_tasks(Arc::new(mailings));
    Ok(Some(waypost::mail::worker::WorkerPool::start(
        queue,
        Arc::new(mailer),
        settings,
        count,
    )))
}

/// `waypost createsuperuser --username U --email E`: the first staff account (Django's
/// command). The password comes from `WAYPOST_SUPERUSER_PASSWORD` or a line on stdin, so it
/// never appears in the process list or shell history.
async fn createsuperuser(
    config: Config,
    args: &[String],
) -> Result<(), Box<dyn std::error::Error>> {
    use waypost::accounts::rules::{check_email, check_username};
    use waypost::accounts::server::{password, repo};
    use waypost::error::FieldErrors;
    let (mut username, mut email) = (None, None);
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--username" => username = Some(value.trim().to_owned()),
            "--email" => email = Some(value.trim().to_owned()),
            other => return Err(format!("unknown option {other}\n\n{USAGE}").into()),
        }
    }
    let username = username.ok_or("--username is required")?;
    let email = email.ok_or("--email is required")?;
    let secret = match std::env::var("WAYPOST_SUPERUSER_PASSWORD") {
        Ok(value) if !value.is_empty() => value,
        _ => {
            eprint!("Password for {username} (one line): ");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let mut errors = FieldErrors::new();
    check_username(&username, &mut errors);
    check_email(&email, &mut errors);
    password::check_policy(
        config.password_policy,
        &secret,
        &username,
        &email,
        "password",
        &mut errors,
    );
    if let Err(error) = errors.into_result() {
        return Err(format!("not created: {error}").into());
    }
    let pool = waypost::db::connect_and_migrate(&config.database_url).await?;
    let hash = password::hash(secret).await.map_err(|e| e.to_string())?;
    let user = repo::create_superuser(&pool, &username, &email, hash)
        .await
        .map_err(|e| format!("not created: {e}"))?;
    println!(
        "Staff account {} created (id {}). Log in and open /admin.",
        user.username, user.id
    );
    Ok(())
}

/// `waypost import-django --from <url> [--media-from <dir or URL>] [--dry-run]`: moves the
/// Django blog's data in, all or nothing (see `waypost::import_django`).
async fn import_django(config: Config, args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::IsTerminal;
    let (mut from, mut media_from, mut dry_run) = (None, None, false);
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        match flag.as_str() {
            "--dry-run" => dry_run = true,
            "--from" => {
                from = Some(
                    rest.next()
                        .ok_or("--from needs the Django database's URL")?
                        .clone(),
                )
            }
            "--media-from" => {
                media_from = Some(
                    rest.next()
                        .ok_or("--media-from needs a directory or URL")?
                        .clone(),
                )
            }
            other => return Err(format!("unknown option {other}\n\n{USAGE}").into()),
        }
    }
    let from = from.ok_or("--from is required: the Django blog's postgres:// URL")?;
    let pool = waypost::db::connect_and_migrate(&config.database_url).await?;
    let media_root = match &config.media {
        waypost::config::MediaConfig::Local { root } => Some(root.clone()),
        waypost::config::MediaConfig::S3 { .. } => None,
    };
    let options = waypost::import_django::ImportOptions {
        source_url: from,
        media_from,
        media_root,
        dry_run,
        progress: std::io::stderr().is_terminal(),
    };
    let summary = waypost::import_django::run(&pool, &options)
        .await
        .map_err(|e| format!("import failed, nothing was changed: {e}"))?;
    print!("{summary}");
    Ok(())
}

/// `waypost healthcheck`: exit 0 when `/healthz` answers 200 (Docker's HEALTHCHECK; the
/// runtime image has no curl).
async fn healthcheck(config: &Config) -> Result<(), Box<dyn std::error::Error>> {
    let addr: SocketAddr = std::env::var("LEPTOS_SITE_ADDR")
        .ok()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000)));
    let port = addr.port();
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    // Our own certificate may be mkcert's, unknown to the system store: this only asks
    // whether the local server answers.
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(config.tls.is_some())
        .timeout(Duration::from_secs(4))
        .build()?;
    let response = client
        .get(format!("{scheme}://127.0.0.1:{port}/healthz"))
        .header(
            "host",
            config
                .allowed_hosts
                .first()
                .map_or("localhost", |h| h.trim_start_matches('.')),
        )
        .send()
        .await?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("/healthz answered {}", response.status()).into())
    }
}

/// `waypost worker [--workers N]`: only the mail worker pool (the Celery container's job).
async fn worker(config: Config, args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let count = match args {
        [] => config.mail.workers.max(1),
        [flag, n] if flag == "--workers" => n
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or("--workers needs a positive whole number")?,
        _ => return Err(format!("unknown arguments\n\n{USAGE}").into()),
    };
    let redis = waypost::redis::connect(&config.redis_url)
        .await
        .map_err(|e| format!("cannot connect to Redis: {e}"))?;
    let queue = waypost::mail::queue::Queue::new(redis, &config.redis_prefix);
    // Mailings read subscribers and stories.
    let db = waypost::db::connect_and_migrate(&config.database_url).await?;
    let workers = start_mail_workers(&config, queue, &db, count)?.ok_or("no workers")?;
    println!("Waypost mail worker running ({count} tasks)");
    shutdown_signal().await;
    workers.shutdown(Duration::from_secs(30)).await;
    Ok(())
}

fn init_tracing(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if config.production() {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
