/** The action's entry point, as `action.yml` runs it (`node dist/index.js`). */
import { run } from './main.js'

await run()
