// The host suites, for test/run.mjs: each starts its own code-server and
// headless Chromium (and the extension its own backend), so they must run
// one after another. `node --test` runs files in parallel (CPU count - 1 at
// once) but the tests inside one file in order: importing the suites here
// chains them in one file whatever that concurrency is. The harness
// self-check goes first: if the harness could not fail, nothing after it
// would prove anything. (A root-level hook in one suite applies to all of
// them here: keep hooks inside the suites' own tests or describe blocks.)
import './harnessSelfCheck.test.mjs';
import './extensionHost.test.mjs';
import './ui.test.mjs';
import './workspaceFolderUi.test.mjs';
