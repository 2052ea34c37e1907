/**
 * Where the pipeline's messages go: the action's log (github/log.ts, which annotates warnings) or the
 * terminal. Each front door makes the text safe for its own surface.
 */
export interface RunLog {
  info: (text: string) => void
  warning: (text: string) => void
}
