/**
 * Secrets the run knows (the API key, the GitHub token), replaced in everything the action writes or posts.
 * The runner masks its log, but not the summary, the PR comment or the files the action writes, and an API
 * error or a model output can echo a secret into any of them.
 */

/** What a secret is replaced with, as the runner shows masked values. */
export const REDACTED = '***'

/**
 * Shorter values are not redacted: replacing every "test" in a report would mangle it, and a secret that
 * short protects nothing. Real API keys and tokens are far longer.
 */
const MIN_SECRET_LENGTH = 8

const secrets = new Set<string>()

/**
 * Registers a value to redact, with the forms it takes when written into JSON or a URL. Returns whether it
 * was registered (long enough).
 */
export function addSecret(value: string): boolean {
  if (value.length < MIN_SECRET_LENGTH) return false
  for (const form of [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]) secrets.add(form)
  return true
}

/** The text with every registered secret replaced by REDACTED. */
export function redact(text: string): string {
  for (const secret of secrets) {
    if (text.includes(secret)) text = text.split(secret).join(REDACTED)
  }
  return text
}

/** Forgets every secret: for tests, which register their own. */
export function clearSecrets(): void {
  secrets.clear()
}
