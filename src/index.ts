/** The action's entry point, as `action.yml` runs it (`node dist/index.js`). */
import { tuneHeapForRun } from './action/heap-tuning.js'
import { run } from './action/main.js'

// After the modules load, which grows the semi-spaces to a few MB: held at the 1 MB they start at, scavenges
// come so often that a 100,000-test run took about 10% longer.
tuneHeapForRun()
await run()
