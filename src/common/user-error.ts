/**
 * A failure the user can act on: a mistake in an input or a file (a suite, the pricing or baseline file),
 * or a limit the run reached. Its message says what is wrong, where (file and line, when known) and what to
 * do; the entry point prints it as a clean `::error`. Any other error is a bug in the action, printed with
 * its stack and a request to report it.
 */
export class UserError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}
