//! Model tests of the lock-free parts of the engine, run under [loom](https://docs.rs/loom):
//! each model runs once per interleaving of its threads that loom can tell apart (and per
//! value each atomic load may return under the C11 memory model), and fails on a data race
//! on a cell, a leak, a failed assertion, or a lost wake-up (every thread blocked).
//!
//! - `spsc`: the pipe queue across chunk boundaries and the reuse of a drained chunk;
//! - `pipe`: a reader that sleeps on an empty pipe, a writer that sleeps on a full one, and a
//!   reader woken by its peer's close, with the sockets' arm, re-check, wait protocol;
//! - `signaler`: the arm/notify protocol and the owner's view of its fd.
//!
//! Built only for the crate's tests with `--cfg loom`, where [`crate::sync`] hands those
//! modules loom's types and the queue has chunks of two slots:
//!
//! ```text
//! make cargo_test_loom
//! RUSTFLAGS="--cfg loom" cargo test -p zmq-rust-core --lib --target-dir target/loom loom_models
//! ```
//!
//! Each model bounds the preemptions it explores ([`PREEMPTIONS`]); `LOOM_MAX_PREEMPTIONS`
//! overrides the bound for a deeper run (with 100, in effect no bound, all of them finish in
//! about 25 s with `--release`).

mod pipe;
mod signaler;
mod spsc;

/// Preemptions explored per execution unless `LOOM_MAX_PREEMPTIONS` says otherwise: each
/// broken ordering or missing re-check these models were shown to catch needs at most two.
const PREEMPTIONS: usize = 3;

/// Runs `f` under loom with the preemption bound above.
fn model<F>(f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(PREEMPTIONS);
    }
    b.check(f);
}
