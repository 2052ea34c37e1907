/**
 * promptfoo's is-sql and contains-sql: the output parsed by node-sql-parser in a database's dialect (MySQL by
 * default), and, when the value lists them, every table and column it reads or writes among those allowed.
 * The parser (2.5 MB, every dialect) is loaded the first time a suite uses either type.
 */
import type { Option, Parser } from 'node-sql-parser'
import { didYouMean } from '../../common/did-you-mean.js'
import type { GraderDefinition } from './grader.js'
import { AssertionCompileError, type Finding } from './types.js'
import { messageOf, oneLine, resolveDataValue, show, type CompileContext } from './values.js'

/** node-sql-parser's names of the dialects it parses (it reads them in any case). */
const DATABASES = [
  'MySQL',
  'MariaDB',
  'PostgresQL',
  'Sqlite',
  'TransactSQL',
  'BigQuery',
  'Snowflake',
  'Redshift',
  'Hive',
  'Db2',
  'FlinkSQL',
  'Athena',
  'Trino',
  'Noql',
]
const VALUE_KEYS = ['databaseType', 'allowedTables', 'allowedColumns']
const VALUE_HELP =
  'optionally {databaseType, allowedTables, allowedColumns}: the dialect (MySQL by default) and the ' +
  "tables and columns the SQL may use, in node-sql-parser's form ('select::null::users', 'select::users::id')"

interface SqlRules {
  options: Option
  allowedTables: string[] | undefined
  allowedColumns: string[] | undefined
}

let loading: Promise<Parser> | undefined

/** The parser, loaded once (the module is CommonJS: its exports are the default export of an import). */
function sqlParser(): Promise<Parser> {
  loading ??= import('node-sql-parser').then((module) => {
    const exports = module as unknown as { Parser?: typeof Parser; default?: { Parser: typeof Parser } }
    const SqlParser = exports.Parser ?? exports.default?.Parser
    if (!SqlParser) throw new Error('node-sql-parser exports no Parser')
    return new SqlParser()
  })
  return loading
}

function stringList(c: CompileContext, value: unknown, key: string): string[] | undefined {
  if (value === undefined || value === null) return undefined
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) {
    throw new AssertionCompileError(
      `${c.type}'s ${key} is a list of names in node-sql-parser's form, e.g. ['select::null::users']; got ${show(value, 60)}`,
      'value',
    )
  }
  return value as string[]
}

/** The value checked when the suite loads (promptfoo meets a wrong one only when it grades). */
function rulesOf(c: CompileContext, parser: Parser): SqlRules {
  const value = resolveDataValue(c)
  if (value === undefined || value === null) {
    return { options: { database: 'MySQL' }, allowedTables: undefined, allowedColumns: undefined }
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new AssertionCompileError(`${c.type} takes ${VALUE_HELP}; got ${show(value, 60)}`, 'value')
  }
  const fields = value as Record<string, unknown>
  for (const key of Object.keys(fields)) {
    if (!VALUE_KEYS.includes(key)) {
      throw new AssertionCompileError(
        `unknown key '${key}' in ${c.type}'s value${didYouMean(key, VALUE_KEYS)}; it takes ${VALUE_KEYS.join(', ')}`,
        'value',
      )
    }
  }
  const database = fields.databaseType ?? 'MySQL'
  if (typeof database !== 'string' || !parses(parser, 'SELECT 1', { database })) {
    throw new AssertionCompileError(
      `${c.type}'s databaseType ${show(database, 40)} is not a dialect node-sql-parser knows: ${DATABASES.join(', ')}`,
      'value',
    )
  }
  const allowedColumns = stringList(c, fields.allowedColumns, 'allowedColumns')
  return {
    options: { database },
    allowedTables: stringList(c, fields.allowedTables, 'allowedTables'),
    // As promptfoo: a column allowed in a table ('select::users::id') is allowed unqualified ('select::null::id').
    allowedColumns: allowedColumns && [
      ...new Set(
        allowedColumns.flatMap((item) => {
          const [action, table, column] = item.split('::')
          return column !== undefined && table !== 'null' ? [item, `${action}::null::${column}`] : [item]
        }),
      ),
    ],
  }
}

function parses(parser: Parser, sql: string, options: Option): boolean {
  try {
    parser.astify(sql, options)
    return true
  } catch {
    return false
  }
}

/** Why a piece of SQL fails the rules, or undefined when it is valid and uses only what is allowed. */
function problemWith(sql: string, parser: Parser, rules: SqlRules): string | undefined {
  const { options } = rules
  if (sql.trim() === '') return 'there is no SQL'
  try {
    parser.astify(sql, options)
  } catch (error) {
    return `not valid ${options.database} SQL: ${oneLine(messageOf(error), 160)}`
  }
  for (const [kind, allowed] of [
    ['table', rules.allowedTables],
    ['column', rules.allowedColumns],
  ] as const) {
    if (!allowed) continue
    try {
      parser.whiteListCheck(sql, allowed, { ...options, type: kind })
    } catch (error) {
      // "authority = 'select::null::orders' is required in table whiteList to execute SQL = '...'"
      const authority = /authority = '([^']*)'/.exec(messageOf(error))?.[1]
      return authority === undefined
        ? `its ${kind}s are not all allowed: ${oneLine(messageOf(error), 160)}`
        : `${kind} '${authority}' is not among the allowed ${kind}s`
    }
  }
  return undefined
}

const FENCE_OPEN = /^[ \t]{0,3}(`{3,}|~{3,})[ \t]*([^\r\n`]*)$/
const FENCE_CLOSE = /^[ \t]{0,3}(`{3,}|~{3,})[ \t]*$/

/** The bodies of the text's fenced code blocks marked sql or unmarked, as promptfoo finds SQL in an answer. */
export function sqlCodeBlocks(text: string): string[] {
  const blocks: string[] = []
  let open: { fence: string; sql: boolean; lines: string[] } | undefined
  for (const line of text.split(/\r\n?|\n/)) {
    if (!open) {
      const start = FENCE_OPEN.exec(line)
      if (start) {
        const language = start[2].trim().toLowerCase()
        open = { fence: start[1], sql: language === '' || language === 'sql', lines: [] }
      }
      continue
    }
    const end = FENCE_CLOSE.exec(line)?.[1]
    if (end && end[0] === open.fence[0] && end.length >= open.fence.length) {
      if (open.sql) blocks.push(open.lines.join('\n').trim())
      open = undefined
    } else {
      open.lines.push(line)
    }
  }
  return blocks
}

function sqlGrader(inText: boolean): GraderDefinition {
  return {
    value: 'optional',
    valueHelp: VALUE_HELP,
    readsOutput: true,
    async compile(c) {
      const parser = await sqlParser()
      const rules = rulesOf(c, parser)
      const { negate } = c
      const limited = rules.allowedTables || rules.allowedColumns
      const what = `valid ${rules.options.database} SQL${limited ? ' that uses only allowed tables and columns' : ''}`
      return ({ text }): Finding => {
        const blocks = inText ? sqlCodeBlocks(text) : []
        const candidates = blocks.length > 0 ? blocks : [text]
        let problem: string | undefined
        for (const candidate of candidates) {
          problem = problemWith(candidate, parser, rules)
          if (problem === undefined) break
        }
        const holds = problem === undefined
        const where = blocks.length > 0 ? ` (in a code block)` : ''
        const verb = inText ? ['contain', 'contains'] : ['be', 'is']
        let reason: string
        if (holds)
          reason = negate
            ? `expected output not to ${verb[0]} ${what}${where}`
            : `output ${verb[1]} ${what}${where}`
        else
          reason = negate
            ? `output ${inText ? 'does not contain' : 'is not'} ${what}: ${problem}`
            : `expected output to ${verb[0]} ${what}: ${problem}`
        return { pass: holds, score: holds ? 1 : 0, reason }
      }
    },
  }
}

export const SQL_GRADERS: Record<string, GraderDefinition> = {
  'is-sql': sqlGrader(false),
  'contains-sql': sqlGrader(true),
}
