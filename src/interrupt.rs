//! SIGINT and SIGTERM: the first one asks the running job to stop cleanly (it removes
//! its temporary files and exits non-zero); a second one ends the process at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// What to run when a signal arrives.
type Actions = std::sync::Mutex<Vec<Arc<dyn Fn() + Send + Sync>>>;

static FLAGS: OnceLock<Actions> = OnceLock::new();
static SEEN: AtomicBool = AtomicBool::new(false);

/// The error of a job stopped by a signal (exit code 130).
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// Installs the handler once; `on_interrupt` runs when a signal arrives.
pub fn on_interrupt(action: impl Fn() + Send + Sync + 'static) {
    let actions = FLAGS.get_or_init(|| {
        let _ = ctrlc::set_handler(|| {
            if SEEN.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!("\nstopping: cleaning up (press Ctrl-C again to stop at once)");
            if let Some(actions) = FLAGS.get() {
                for action in actions.lock().map(|a| a.clone()).unwrap_or_default() {
                    action();
                }
            }
        });
        Default::default()
    });
    if let Ok(mut list) = actions.lock() {
        list.push(Arc::new(action));
    }
}
