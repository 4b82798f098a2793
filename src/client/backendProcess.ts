/**
 * How the backend process is started, wherever it is started from (the
 * launcher, the login unit, the tests and benchmarks), so it runs the same.
 */

/**
 * A small young generation: the backend idles for days, and this keeps its
 * memory low; `gc()` lets it collect a burst's garbage once it is quiet
 * (src/backend/daemon/idleCollector.ts).
 *
 * `--no-opt`: no TurboFan. Its compiled code and the compiler's own pages
 * came to 4-5 MB of the idle RSS with 1,000 workspaces (67.9 -> 63.5 MB);
 * the backend's hot paths are I/O (an HTTP request, a Docker call), where
 * interpreted and baseline code measured no slower: 100 heartbeats a second
 * and GET /v1/workspaces for 1,000 cost the same CPU and time either way.
 */
export const BACKEND_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--expose-gc', '--no-opt'];

/**
 * glibc raises its trim threshold when big blocks are freed, so the ~6 MB V8
 * frees after compiling the bundle at start stays resident for good. A fixed
 * threshold (glibc's own default value) turns that rise off: -5.7 MB idle RSS.
 * Other C libraries ignore it.
 */
export const BACKEND_ENV: Readonly<Record<string, string>> = { MALLOC_TRIM_THRESHOLD_: '131072' };
