/**
 * Writes the table of promptfoo's assertion types and their status here into docs/coming-from-promptfoo.md,
 * between its markers: `npx tsx scripts/promptfoo-coverage.ts` after adding, refusing or changing a type.
 * The statuses come from the graders' registry and from unsupported-types.ts; only promptfoo's own type list and
 * the types that grade differently on purpose are kept here by hand. __tests__/docs/promptfoo-page.test.ts
 * fails while the page's table is not the one this script writes.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as prettier from 'prettier'
import { BASE_ASSERTION_TYPES } from '../src/grading/graders/registry.js'
import {
  isUnmeasurable,
  UNGRADABLE_TYPES,
  ungradableReason,
} from '../src/grading/graders/unsupported-types.js'

export const PROMPTFOO_PAGE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../docs/coming-from-promptfoo.md',
)

export const START_MARKER =
  '<!-- promptfoo-assertion-types:start (written by scripts/promptfoo-coverage.ts) -->'
export const END_MARKER = '<!-- promptfoo-assertion-types:end -->'

/**
 * promptfoo's assertion types as its documentation lists them (deterministic and model-graded, without the
 * not- forms), kept by hand: add a type here when promptfoo adds one.
 */
export const PROMPTFOO_ASSERTION_TYPES: readonly string[] = [
  'answer-relevance',
  'assert-set',
  'bleu',
  'classifier',
  'contains',
  'contains-all',
  'contains-any',
  'contains-html',
  'contains-json',
  'contains-sql',
  'contains-xml',
  'context-faithfulness',
  'context-recall',
  'context-relevance',
  'conversation-relevance',
  'cost',
  'equals',
  'factuality',
  'finish-reason',
  'g-eval',
  'gleu',
  'guardrails',
  'icontains',
  'icontains-all',
  'icontains-any',
  'is-html',
  'is-json',
  'is-refusal',
  'is-sql',
  'is-valid-function-call',
  'is-valid-openai-function-call',
  'is-valid-openai-tools-call',
  'is-xml',
  'javascript',
  'latency',
  'levenshtein',
  'llm-rubric',
  'max-score',
  'meteor',
  'model-graded-closedqa',
  'model-graded-factuality',
  'moderation',
  'perplexity',
  'perplexity-score',
  'pi',
  'python',
  'regex',
  'rouge-n',
  'ruby',
  'search-rubric',
  'select-best',
  'similar',
  'starts-with',
  'tool-call-f1',
  'trace-error-spans',
  'trace-span-count',
  'trace-span-duration',
  'webhook',
  'word-count',
]

/** The section of docs/graders.md that lists the differences from promptfoo, and its heading. */
export const DIFFERENCES_HEADING = 'Differences from promptfoo'
const DIFFERENCES = 'differences-from-promptfoo'

/**
 * The types that grade differently from promptfoo on purpose: the difference in a few words, and the section of
 * docs/graders.md (its anchor) that names the type in backticks and says why (the page's test checks it does).
 */
export const DOCUMENTED_DIFFERENCES: Readonly<Record<string, { note: string; section: string }>> = {
  icontains: { note: 'case folded in Unicode NFC', section: DIFFERENCES },
  'icontains-any': { note: 'case folded in Unicode NFC', section: DIFFERENCES },
  'icontains-all': { note: 'case folded in Unicode NFC', section: DIFFERENCES },
  levenshtein: { note: 'edits counted in code points', section: DIFFERENCES },
  'contains-json': {
    note: 'only real JSON counts, arrays too; near-JSON is not repaired',
    section: DIFFERENCES,
  },
  'contains-xml': { note: 'well-formed XML only, as is-xml', section: DIFFERENCES },
  'is-refusal': { note: 'reads the first statement of substance', section: DIFFERENCES },
  'finish-reason': { note: "also takes Anthropic's stop reasons", section: DIFFERENCES },
  javascript: {
    note: 'a returned number above 1 is reported as score 1; a result object needs only `pass`',
    section: DIFFERENCES,
  },
  moderation: { note: 'a Claude judge stands in for the moderation API', section: DIFFERENCES },
  classifier: {
    note: 'a Claude judge stands in for the HuggingFace model; `value` is required',
    section: DIFFERENCES,
  },
  meteor: {
    note: 'no WordNet synonyms: exact and stem matches only; an empty output scores 0',
    section: 'counts-stop-reasons-refusals-markup-and-n-gram-scores',
  },
}

export type Status =
  | 'supported'
  | 'supported, with a documented difference'
  | 'not measurable in batch mode'
  | 'not supported'
  | 'unknown here'

export interface CoverageRow {
  type: string
  status: Status
  note: string
}

/** Every promptfoo type, the hand-kept list's and any the registry or the refusals know besides, sorted. */
export function coverageRows(): CoverageRow[] {
  const types = new Set([...PROMPTFOO_ASSERTION_TYPES, ...BASE_ASSERTION_TYPES, 'assert-set'])
  for (const type of UNGRADABLE_TYPES) types.add(type)
  return [...types].sort().map((type) => ({ type, ...statusOf(type) }))
}

function statusOf(type: string): Omit<CoverageRow, 'type'> {
  if (type === 'assert-set' || BASE_ASSERTION_TYPES.includes(type)) {
    const difference = DOCUMENTED_DIFFERENCES[type]
    return difference
      ? {
          status: 'supported, with a documented difference',
          note: `[${difference.note}](graders.md#${difference.section})`,
        }
      : { status: 'supported', note: '' }
  }
  const reason = ungradableReason(type)
  if (reason) {
    return {
      status: isUnmeasurable(type) ? 'not measurable in batch mode' : 'not supported',
      note: `loads; each assertion fails its test with the reason: ${reason.replace(/^not measurable in batch mode: /, '')}`,
    }
  }
  return { status: 'unknown here', note: 'refused when the suite loads, as an unknown type' }
}

/** The markdown table of `rows` (prettier pads it when the page is written). */
export function coverageTable(rows: readonly CoverageRow[] = coverageRows()): string {
  const cell = (text: string) => text.replaceAll('|', '\\|')
  const lines = rows.map((row) => `| \`${row.type}\` | ${row.status} | ${cell(row.note)} |`)
  return ['| promptfoo type | status here | note |', '| --- | --- | --- |', ...lines].join('\n')
}

/** The page's text with the table between its markers, formatted as prettier formats the repository. */
export async function withCoverageTable(pageText: string, table: string = coverageTable()): Promise<string> {
  const start = pageText.indexOf(START_MARKER)
  const end = pageText.indexOf(END_MARKER)
  if (start < 0 || end < start) throw new Error(`${PROMPTFOO_PAGE} has no ${START_MARKER} ... ${END_MARKER}`)
  const text = `${pageText.slice(0, start + START_MARKER.length)}\n\n${table}\n\n${pageText.slice(end)}`
  const options = await prettier.resolveConfig(PROMPTFOO_PAGE)
  return prettier.format(text, { ...options, filepath: PROMPTFOO_PAGE })
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = readFileSync(PROMPTFOO_PAGE, 'utf8')
  const written = await withCoverageTable(text)
  if (written === text) console.log(`${PROMPTFOO_PAGE}: the assertion type table is the registry's already`)
  else {
    writeFileSync(PROMPTFOO_PAGE, written)
    console.log(`${PROMPTFOO_PAGE}: the assertion type table written from the registry`)
  }
}
