//! Keeping asynchronous signals off the engine's own threads.

/// Blocks every signal on the calling thread except the synchronous faults (SIGSEGV, SIGBUS,
/// SIGFPE, SIGILL), so that signals reach the application's threads (Perl's %SIG handlers
/// run there).
pub(crate) fn block_async_signals() {
    // SAFETY: sigfillset/sigdelset/pthread_sigmask on a local set; no other memory.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut set);
        for s in [libc::SIGSEGV, libc::SIGBUS, libc::SIGFPE, libc::SIGILL] {
            libc::sigdelset(&mut set, s);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}
