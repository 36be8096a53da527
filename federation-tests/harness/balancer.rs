//! One address in front of several `jisr serve` processes, as a larger deployment runs them
//! behind a load balancer: each new connection goes to the next process in turn, and the
//! bytes are copied both ways untouched (so signatures and `Host` headers arrive as sent).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::net::{TcpListener, TcpStream};

/// A round-robin TCP balancer on 127.0.0.1.
pub struct Balancer {
    /// How many connections each backend was handed, in the order given.
    handed: Arc<Vec<AtomicUsize>>,
    task: tokio::task::JoinHandle<()>,
}

impl Balancer {
    /// Listens on `listener` and hands connections to `backends` (ports on 127.0.0.1) in turn.
    pub fn start(listener: std::net::TcpListener, backends: Vec<u16>) -> Balancer {
        listener.set_nonblocking(true).expect("nonblocking");
        let listener = TcpListener::from_std(listener).expect("listener");
        let handed: Arc<Vec<AtomicUsize>> =
            Arc::new(backends.iter().map(|_| AtomicUsize::new(0)).collect());
        let counts = handed.clone();
        let task = tokio::spawn(async move {
            let mut next = 0;
            loop {
                let Ok((mut incoming, _)) = listener.accept().await else {
                    continue;
                };
                let index = next % backends.len();
                next += 1;
                counts[index].fetch_add(1, Ordering::Relaxed);
                let port = backends[index];
                tokio::spawn(async move {
                    if let Ok(mut outgoing) = TcpStream::connect(("127.0.0.1", port)).await {
                        let _ = tokio::io::copy_bidirectional(&mut incoming, &mut outgoing).await;
                    }
                });
            }
        });
        Balancer { handed, task }
    }

    /// How many connections each backend was handed.
    pub fn handed(&self) -> Vec<usize> {
        self.handed
            .iter()
            .map(|count| count.load(Ordering::Relaxed))
            .collect()
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
