/**
 * What each Claude model accepts, as far as Anthropic's documentation says: its maximum output, context
 * window, thinking modes, whether a last assistant turn (prefill) is accepted, whether forced tool use is,
 * and whether it is retired. Preflight (preflight.ts) and the emulator check requests against it.
 *
 * Only documented facts are here; a field left out means "not known", and nothing is rejected for it (a
 * false rejection would block a request the API accepts). Content kinds are not per model: every model
 * listed takes text, images and documents in user turns (models overview: "All current models support text
 * and image input"), and only the turn rules in request-checks.ts apply.
 *
 * Sources, checked 2026-12-07 (platform.claude.com/docs/en/...):
 * - O: models/overview and each model's page models/<model>/overview (context window, max output, thinking).
 * - T: build-with-claude/thinking-troubleshooting: manual extended thinking (`thinking.type: "enabled"` with
 *   `budget_tokens`) is deprecated but accepted on Claude Opus 4.6 and Sonnet 4.6, rejected (400) on Claude
 *   4.7 and later models (Opus 4.7, Opus 4.8, Sonnet 5, Fable 5, Mythos 5 are named); on Claude 4.5 and
 *   earlier models it is the only thinking mode.
 * - P: about-claude/models/whats-new-claude-4-6#prefill-removal: prefill is not supported from the 4.6 models
 *   on ("This model does not support assistant message prefill. The conversation must end with a user
 *   message."), and by every later family.
 * - F: models/fable-5-1/whats-new-fable-5-1#forced-tool-use-is-not-supported and models/sonnet-5-5/overview:
 *   forced tool use returns an error.
 * - R: about-claude/model-deprecations and the release notes: retired models answer `not_found_error`.
 */
import { modelFamilyOf } from '../common/model-ids.js'

/** `manual`: only `enabled` + `budget_tokens`; `adaptive`: only `adaptive`; `both`: either. */
export type ThinkingModes = 'manual' | 'adaptive' | 'both'

export interface ModelCapabilities {
  maxOutputTokens?: number
  contextWindow?: number
  thinking?: ThinkingModes
  /** false: a conversation ending with an assistant turn is refused. */
  prefill?: boolean
  /** false: `tool_choice` of type `any` or `tool` is refused, with or without thinking. */
  forcedToolUse?: boolean
  /** The retirement date: requests answer `not_found_error`. */
  retired?: string
  /** Where the entry's facts come from (the letters of the list above). */
  source: string
}

const K = 1_000
const M = 1_000_000

/** Current models: 1M context, 128K output, adaptive thinking only, no prefill (O, T, P). */
const FIVE: Omit<ModelCapabilities, 'source'> = {
  maxOutputTokens: 128 * K,
  contextWindow: M,
  thinking: 'adaptive',
  prefill: false,
}

export const MODEL_CAPABILITIES: Readonly<Record<string, ModelCapabilities>> = {
  'claude-fable-5-2': { ...FIVE, source: 'O (fable-5-2 in the lineup table), T, P' },
  'claude-fable-5-1': { ...FIVE, forcedToolUse: false, source: 'O, T, P, F' },
  'claude-mythos-5-1': { ...FIVE, forcedToolUse: false, source: 'O (Fable 5.1 page: same capabilities), F' },
  'claude-fable-5': { ...FIVE, source: 'O, T (named), P' },
  'claude-mythos-5': { ...FIVE, source: 'O (Fable 5 page: same specifications), T (named), P' },
  'claude-opus-5-5': { ...FIVE, source: 'O, T, P' },
  'claude-opus-5': { ...FIVE, source: 'O, T, P' },
  'claude-sonnet-5-5': { ...FIVE, forcedToolUse: false, source: 'O, T, P, F' },
  'claude-sonnet-5': {
    ...FIVE,
    source: 'O (sonnet-5: manual extended thinking returns 400, sampling parameters too), T, P',
  },
  'claude-opus-4-8': { ...FIVE, source: 'O (opus-4-8: 1M, 128K), T (named), P' },
  'claude-opus-4-7': { thinking: 'adaptive', prefill: false, source: 'T (named), P; limits not checked' },
  'claude-opus-4-6': { maxOutputTokens: 128 * K, thinking: 'both', prefill: false, source: 'O, T, P' },
  'claude-sonnet-4-6': { maxOutputTokens: 64 * K, thinking: 'both', prefill: false, source: 'O, T, P' },
  'claude-sonnet-4-5': { maxOutputTokens: 64 * K, thinking: 'manual', prefill: true, source: 'O, T' },
  'claude-opus-4-5': {
    maxOutputTokens: 64 * K,
    contextWindow: 200 * K,
    thinking: 'manual',
    prefill: true,
    source: 'O (opus-4-5: 200K, 64K), T',
  },
  'claude-haiku-4-5': {
    maxOutputTokens: 64 * K,
    contextWindow: 200 * K,
    thinking: 'manual',
    prefill: true,
    source: 'O (overview: Haiku 4.5 200K, 64K, extended thinking), T',
  },
  'claude-opus-4-1': { maxOutputTokens: 32 * K, thinking: 'manual', prefill: true, source: 'O, T' },
  'claude-opus-4-0': { retired: '2026-06-15', source: 'R (release notes: Claude Opus 4 retired 2026-06-15)' },
  'claude-sonnet-4-0': {
    retired: '2026-06-15',
    source: 'R (release notes: Claude Sonnet 4 retired 2026-06-15)',
  },
  'claude-3-7-sonnet': { retired: '2026-02-19', source: 'R (Claude Sonnet 3.7: retirement 2026-02-19)' },
  'claude-3-5-sonnet': { retired: '2025-10-22', source: 'R (both Claude Sonnet 3.5 snapshots: 2025-10-22)' },
}

/** Ids that name a table entry under another id (the dated ids of Claude 4 before the `-0` aliases). */
const ALIASES: Readonly<Record<string, string>> = {
  'claude-opus-4': 'claude-opus-4-0',
  'claude-sonnet-4': 'claude-sonnet-4-0',
}

/** The capabilities of a model id (an id, a dated snapshot or a `-latest` alias), or undefined if unknown. */
export function capabilitiesOf(model: string): ModelCapabilities | undefined {
  const family = modelFamilyOf(model)
  const id = Object.hasOwn(ALIASES, family) ? ALIASES[family] : family
  return Object.hasOwn(MODEL_CAPABILITIES, id) ? MODEL_CAPABILITIES[id] : undefined
}
