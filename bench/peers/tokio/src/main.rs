//! tokio-echo: a reference peer for benchmarks, not part of the product.
//!
//! The Tokio tutorial's echo server as it is usually taken to production: one
//! task per connection with a 4 KiB buffer, each read raced (`tokio::select!`)
//! against a shutdown broadcast, each `write_all` bounded by a 5 s timeout, and a
//! graceful shutdown on SIGINT/SIGTERM: stop accepting, tell every task, wait for
//! them to finish, exit 0.
//!
//! Usage: tokio-echo [--listen HOST:PORT] [--threads N]
//! Prints `listening on ADDR:PORT` (the bound port) on stdout once it accepts.

use std::io::Write;
use std::net::SocketAddr;
use std::process;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{broadcast, mpsc};
use tokio::time::timeout;

const BUFFER_SIZE: usize = 4 * 1024;
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
const USAGE: &str = "usage: tokio-echo [--listen HOST:PORT] [--threads N]";

struct Args {
    listen: SocketAddr,
    threads: usize,
}

fn usage_error(message: &str) -> ! {
    eprintln!("tokio-echo: {message}");
    eprintln!("{USAGE}");
    process::exit(2);
}

fn parse_args() -> Args {
    let mut args = Args {
        listen: "127.0.0.1:7878".parse().unwrap(),
        threads: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        // Accept both `--opt VALUE` and `--opt=VALUE`.
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .unwrap_or_else(|| usage_error(&format!("{name} needs a value")))
        };
        match name.as_str() {
            "-l" | "--listen" => {
                let v = value();
                args.listen = v
                    .parse()
                    .unwrap_or_else(|_| usage_error(&format!("bad address '{v}' (want HOST:PORT, [V6]:PORT)")));
            }
            "-t" | "--threads" => {
                let v = value();
                args.threads = match v.parse::<usize>() {
                    Ok(n) if n > 0 => n,
                    _ => usage_error(&format!("bad thread count '{v}'")),
                };
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                process::exit(0);
            }
            _ => usage_error(&format!("unknown argument '{arg}'")),
        }
    }
    args
}

fn main() {
    let args = parse_args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads)
        .enable_all()
        .build()
        .unwrap_or_else(|e| {
            eprintln!("tokio-echo: cannot start the runtime: {e}");
            process::exit(1);
        });
    if let Err(e) = runtime.block_on(serve(args.listen)) {
        eprintln!("tokio-echo: {e}");
        process::exit(1);
    }
}

async fn serve(addr: SocketAddr) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;

    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", listener.local_addr()?)?;
        out.flush()?;
    }

    // `notify_shutdown` tells every connection task to stop; each task holds a
    // clone of `shutdown_complete_tx`, so `recv()` on the receiver returns None
    // once the last task has dropped its clone.
    let (notify_shutdown, _) = broadcast::channel::<()>(1);
    let (shutdown_complete_tx, mut shutdown_complete_rx) = mpsc::channel::<()>(1);

    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((socket, _peer)) => {
                    // Like the project's server (TCP_NODELAY on by default).
                    let _ = socket.set_nodelay(true);
                    let shutdown = notify_shutdown.subscribe();
                    let done = shutdown_complete_tx.clone();
                    tokio::spawn(async move {
                        handle(socket, shutdown).await;
                        drop(done);
                    });
                }
                Err(e) => {
                    // E.g. EMFILE: report it and back off instead of spinning.
                    eprintln!("tokio-echo: accept: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            _ = sigint.recv() => break,
            _ = sigterm.recv() => break,
        }
    }

    drop(listener); // stop accepting
    let _ = notify_shutdown.send(()); // tell every task
    drop(shutdown_complete_tx);
    let _ = shutdown_complete_rx.recv().await; // and wait for them (at most one write timeout)
    Ok(())
}

async fn handle(mut socket: TcpStream, mut shutdown: broadcast::Receiver<()>) {
    let mut buf = vec![0u8; BUFFER_SIZE];
    loop {
        let n = tokio::select! {
            read = socket.read(&mut buf) => match read {
                Ok(0) | Err(_) => return, // EOF or error: close
                Ok(n) => n,
            },
            _ = shutdown.recv() => return,
        };
        match timeout(WRITE_TIMEOUT, socket.write_all(&buf[..n])).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) | Err(_) => return, // write error, or no progress for 5 s
        }
    }
}
