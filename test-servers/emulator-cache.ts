/**
 * The emulator's prompt cache, best effort as the API's in a batch.
 *
 * Each `cache_control` breakpoint (on a tool, a system block, a message block; a top-level `cache_control`
 * marks the last block of the last message) ends a prefix. A prefix of at least `minCacheableTokens(model)`
 * tokens is cacheable; shorter ones are silently not cached. One cache (keyed by model and prefix content,
 * `cache_control` aside) serves all the emulator's batches, never expiring.
 *
 * When a request can read: a prefix is in the cache for a request only when a request that wrote it FINISHED
 * before this one STARTED (requests run concurrently, so the first requests of a new prefix all miss and all
 * write it). Even then it reads with probability `hitRate` (the request's seeded roll, `hitRoll`), as the
 * API's cache is best effort. A request that reads takes the longest cached cacheable prefix
 * (`cache_read_input_tokens`), and writes each longer cacheable one (`cache_creation_input_tokens` = the
 * tokens from the read prefix to its last cacheable breakpoint, each segment counted in
 * `ephemeral_1h_input_tokens` when the breakpoint that ends it has `ttl: '1h'`, else in
 * `ephemeral_5m_input_tokens`); a request that misses writes every cacheable prefix. `input_tokens` is the
 * rest. As the API: at most 4 breakpoints, `type: 'ephemeral'`, `ttl` '5m' or '1h', and no '1h' breakpoint
 * after a '5m' one (else `invalid_request_error`).
 */
import { createHash } from 'node:crypto'
import type { CacheCreation } from '@anthropic-ai/sdk/resources/messages/messages'
import { isRecord } from './scripted-replies.js'
import { jsonWithoutCacheControl, tokensFor, tokensOfPieces, type InputPiece } from './emulator-tokens.js'

/**
 * The shortest prefix, in tokens, a model caches (a shorter one is silently not cached): 2,048 for Claude
 * Haiku 3 and 3.5; 1,024 for Sonnet 4.x and Opus 4 / 4.1; 4,096 for every other model (Haiku 4.5, Opus 4.5
 * and later, and models this table does not know). The same figures as the action's `cache: auto`.
 */
export function minCacheableTokens(model: string): number {
  if (/^claude-3(-5)?-haiku/.test(model)) return 2_048
  if (/^claude-sonnet-4|^claude-opus-4-[01]|^claude-opus-4(-\d{8})?$/.test(model)) return 1_024
  return 4_096
}

/** The most `cache_control` breakpoints a request may carry, as the API. */
export const MAX_CACHE_BREAKPOINTS = 4

type CacheTtl = '5m' | '1h'

interface Breakpoint {
  /** The tokens of the prefix it ends. */
  tokens: number
  ttl: CacheTtl
  /** The cache key of the prefix: model and content. */
  key: string
}

/** The breakpoints of a request's input, in order, each with its prefix's tokens and cache key. */
function breakpointsOf(model: string, pieces: InputPiece[]): Breakpoint[] {
  const breakpoints: Breakpoint[] = []
  if (!pieces.some((p) => p.cacheControl != null)) return breakpoints
  const hash = createHash('sha256').update(JSON.stringify(model))
  let chars = 0
  for (const piece of pieces) {
    chars += piece.chars
    hash.update(jsonWithoutCacheControl([piece.at, piece.role, piece.value]))
    if (piece.cacheControl == null) continue
    const ttl: CacheTtl = isRecord(piece.cacheControl) && piece.cacheControl['ttl'] === '1h' ? '1h' : '5m'
    breakpoints.push({ tokens: tokensFor(chars), ttl, key: hash.copy().digest('base64') })
  }
  return breakpoints
}

/** The API's checks of `cache_control` breakpoints: the first problem found, or null. */
export function cacheControlProblem(pieces: InputPiece[]): string | null {
  let count = 0
  let seen5m = false
  for (const { cacheControl } of pieces) {
    if (cacheControl == null) continue
    count++
    if (!isRecord(cacheControl) || cacheControl['type'] !== 'ephemeral') {
      return `cache_control: Input tag ${JSON.stringify(isRecord(cacheControl) ? cacheControl['type'] : cacheControl)} does not match the expected tag 'ephemeral'`
    }
    const ttl = cacheControl['ttl'] ?? '5m'
    if (ttl !== '5m' && ttl !== '1h')
      return `cache_control.ttl: Input should be '5m' or '1h'; got ${JSON.stringify(ttl)}`
    if (ttl === '1h' && seen5m) {
      return "cache_control: a breakpoint with ttl='1h' must not come after one with ttl='5m' (longer TTLs first)"
    }
    if (ttl === '5m') seen5m = true
  }
  if (count > MAX_CACHE_BREAKPOINTS) {
    return `A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${count}.`
  }
  return null
}

/** The part of a result's `Usage` that its input and the prompt cache decide. */
export interface InputUsage {
  input_tokens: number
  cache_creation_input_tokens: number
  cache_read_input_tokens: number
  cache_creation: CacheCreation
}

/** When a request runs, for the cache: its start and finish (ms), and its seeded roll in [0, 1). */
export interface CacheTiming {
  startMs: number
  finishMs: number
  hitRoll: number
}

/** The prompt cache: each prefix written so far, with when its first write finished. */
export class PromptCache {
  private readonly writtenAt = new Map<string, number>()

  constructor(
    /** The chance that a request whose prefix is in the cache reads it. */
    private readonly hitRate: number,
    private readonly minTokensFor: (model: string) => number,
  ) {}

  clear(): void {
    this.writtenAt.clear()
  }

  /**
   * The usage of a request's input against the cache, which it updates: reads the longest prefix written
   * before it started (if its roll wins), writes the longer cacheable ones, as of its finish.
   */
  use(model: string, pieces: InputPiece[], timing: CacheTiming): InputUsage {
    const breakpoints = breakpointsOf(model, pieces)
    // Asked only when there is a breakpoint: most requests have none.
    const minTokens = breakpoints.length > 0 ? this.minTokensFor(model) : 0
    const cacheable = breakpoints.filter((b) => b.tokens >= minTokens)
    const served = timing.hitRoll < this.hitRate
    let readAt = served ? cacheable.length - 1 : -1
    while (readAt >= 0 && !this.cachedBefore((cacheable[readAt] as Breakpoint).key, timing.startMs)) readAt--
    const read = readAt >= 0 ? (cacheable[readAt] as Breakpoint).tokens : 0
    let covered = read
    const written = { '5m': 0, '1h': 0 }
    for (const breakpoint of cacheable.slice(readAt + 1)) {
      written[breakpoint.ttl] += breakpoint.tokens - covered
      covered = breakpoint.tokens
      const at = this.writtenAt.get(breakpoint.key)
      if (at === undefined || timing.finishMs < at) this.writtenAt.set(breakpoint.key, timing.finishMs)
    }
    return {
      input_tokens: tokensOfPieces(pieces) - covered,
      cache_creation_input_tokens: written['5m'] + written['1h'],
      cache_read_input_tokens: read,
      cache_creation: { ephemeral_5m_input_tokens: written['5m'], ephemeral_1h_input_tokens: written['1h'] },
    }
  }

  /** Written by a request that had finished by `startMs` (not one still running then). */
  private cachedBefore(key: string, startMs: number): boolean {
    const at = this.writtenAt.get(key)
    return at !== undefined && at <= startMs
  }
}
