//! `waypost` binary: runs the web server.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use waypost::config::Config;
use waypost::state::AppState;

#[tokio::main]
async fn main() -> ExitCode {
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
    "usage: waypost [serve]\n       waypost seed [--articles N] [--writers N] [--travellers N]";

/// `waypost seed`: demo and benchmark data (see `waypost::seed`).
async fn seed(config: Config, args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let mut options = waypost::seed::SeedOptions {
        writers: 50,
        travellers: 300,
        articles: 200,
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

    let pool = waypost::db::connect_and_migrate(&config.database_url).await?;
    let redis = waypost::redis::connect(&config.redis_url)
        .await
        .map_err(|e| format!("cannot connect to Redis: {e}"))?;
    let storage = waypost::media::Storage::from_config(&config.media)
        .map_err(|e| format!("media storage: {e}"))?;
    let state = AppState {
        leptos_options,
        pool,
        redis,
        storage,
        cache_stats: Default::default(),
        config: Arc::new(config),
    };
    let app = waypost::web::router(state);

    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    println!("Waypost is running at http://{addr}");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
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
