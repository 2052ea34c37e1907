/** The action's settings, read from the inputs the runner passes (INPUT_* variables). */
import * as core from '@actions/core'
import { addSecret } from '../common/redaction.js'
import { readInput, readInputOrOff } from '../github/action-interface.js'
import { readSettings, type Settings } from '../pipeline/settings.js'

/** Every input, with each secret masked in the log and registered for redaction from all the action writes or posts. */
export function readInputs(env: NodeJS.ProcessEnv = process.env): Settings {
  return readSettings(
    {
      read: readInput,
      readOrOff: readInputOrOff,
      onSecret: (value) => {
        core.setSecret(value)
        addSecret(value)
      },
      requireApiKey: true,
    },
    env,
  )
}
