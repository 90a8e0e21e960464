//! The accept loop: HTTP/1 connections served by hyper with the limits a
//! public port needs, which `axum::serve` does not set. A client must send
//! its request headers within `header_read_timeout` and keep a body moving
//! (`body_idle_timeout` between pieces), and at most `max_connections`
//! connections are served at once. A few more (`HEALTH_RESERVE`) are
//! accepted beyond that and answer only the health checks, so a load
//! balancer still sees the process alive while it is full; any further
//! connection is closed at once.
//!
//! A request whose body the application did not read to the end (a 413
//! after `max_upload_size`, an error before the body mattered) gets a
//! lingering close, as nginx and Apache do it: the answer is sent, and the
//! rest of the body is read and thrown away for up to `LINGER_TIME`.
//! Closing with unread data would make the kernel reset the connection,
//! and a client still sending would see the reset instead of the answer.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use hyper::body::{Body as HttpBody, Bytes, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

/// Connections accepted beyond `max_connections` for the health checks.
pub const HEALTH_RESERVE: usize = 16;

/// How long a reserve connection may take to send its headers.
const RESERVE_HEADER_TIMEOUT: Duration = Duration::from_secs(2);

/// How long the unread rest of a request body is read and discarded after
/// the answer (each piece also within `body_idle_timeout`).
const LINGER_TIME: Duration = Duration::from_secs(10);

/// The limits of one listener.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub header_read_timeout: Duration,
    pub body_idle_timeout: Duration,
    pub max_connections: usize,
}

/// Serves `app` on `listener` until `shutdown` completes; then stops
/// accepting, lets each connection finish the request it is on, and
/// returns once all are closed. `reserve` answers the connections beyond
/// the limit.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    reserve: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let regular = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let spare = Arc::new(Semaphore::new(HEALTH_RESERVE));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, say: wait, do not spin.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (router, header_timeout, permit) =
            if let Ok(permit) = regular.clone().try_acquire_owned() {
                (app.clone(), limits.header_read_timeout, permit)
            } else if let Ok(permit) = spare.clone().try_acquire_owned() {
                let timeout = limits.header_read_timeout.min(RESERVE_HEADER_TIMEOUT);
                (reserve.clone(), timeout, permit)
            } else {
                tracing::warn!(%peer, "connection refused: too many connections");
                continue;
            };
        serve_connection(
            stream,
            peer,
            router,
            header_timeout,
            limits.body_idle_timeout,
            permit,
            &graceful,
        );
    }
    drop(listener);
    graceful.shutdown().await;
}

fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    header_timeout: Duration,
    body_idle_timeout: Duration,
    permit: OwnedSemaphorePermit,
    graceful: &GracefulShutdown,
) {
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let (parts, body) = request.into_parts();
        let body = SharedBody::new(TimeoutBody::new(body_idle_timeout, body));
        let request = Request::from_parts(parts, Body::new(body.clone()));
        let router = router.clone();
        async move {
            let response = router.oneshot(request).await;
            if !body.is_end_stream() {
                tokio::spawn(linger(body));
            }
            response
        }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .serve_connection(TokioIo::new(stream), service);
    let connection = graceful.watch(connection);
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            tracing::debug!(%peer, error = %err, "connection ended");
        }
        drop(permit);
    });
}

type RequestBody = TimeoutBody<Incoming>;

/// The request body, shared between the application and the connection:
/// when the application drops its handle early, the body is still here
/// for `linger` to read to the end.
#[derive(Clone)]
struct SharedBody(Arc<Mutex<Pin<Box<RequestBody>>>>);

impl SharedBody {
    fn new(body: RequestBody) -> SharedBody {
        SharedBody(Arc::new(Mutex::new(Box::pin(body))))
    }

    fn with<T>(&self, f: impl FnOnce(Pin<&mut RequestBody>) -> T) -> T {
        let mut body = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        f(body.as_mut())
    }
}

impl HttpBody for SharedBody {
    type Data = Bytes;
    type Error = <RequestBody as HttpBody>::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.with(|body| body.poll_frame(cx))
    }

    fn is_end_stream(&self) -> bool {
        self.with(|body| body.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        self.with(|body| body.size_hint())
    }
}

/// Reads and discards what is left of `body`, for at most `LINGER_TIME`.
async fn linger(mut body: SharedBody) {
    let drain = std::future::poll_fn(|cx| {
        loop {
            match Pin::new(&mut body).poll_frame(cx) {
                Poll::Ready(Some(Ok(_))) => continue,
                Poll::Ready(Some(Err(_)) | None) => return Poll::Ready(()),
                Poll::Pending => return Poll::Pending,
            }
        }
    });
    if tokio::time::timeout(LINGER_TIME, drain).await.is_err() {
        tracing::debug!("lingering close: the rest of a request body took too long");
    }
}
