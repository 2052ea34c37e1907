import { sqlCodeBlocks } from '../../../src/grading/graders/sql.js'
import { compileError, grade, tempDir } from './fixtures.js'

describe('is-sql', () => {
  it('passes SQL that parses in MySQL, by default', async () => {
    expect(await grade({ type: 'is-sql' }, 'SELECT id, name FROM users WHERE age > 30')).toMatchObject({
      pass: true,
      score: 1,
      reason: 'output is valid MySQL SQL',
    })
    const prose = await grade({ type: 'is-sql' }, 'Here is the query: SELECT id FROM users')
    expect(prose).toMatchObject({ pass: false, score: 0 })
    expect(prose.reason).toMatch(/^expected output to be valid MySQL SQL: not valid MySQL SQL: Expected /)
    expect((await grade({ type: 'is-sql' }, '  ')).reason).toBe(
      'expected output to be valid MySQL SQL: there is no SQL',
    )
  })

  it('parses in the databaseType given', async () => {
    const postgres = { databaseType: 'PostgresQL' }
    const returning = 'INSERT INTO users (name) VALUES ($1) RETURNING id'
    expect((await grade({ type: 'is-sql', value: postgres }, returning)).pass).toBe(true)
    expect((await grade({ type: 'is-sql' }, returning)).pass).toBe(false)
  })

  it('with allowedTables and allowedColumns, fails SQL that uses others', async () => {
    const value = {
      allowedTables: ['select::null::users'],
      allowedColumns: ['select::users::id', 'select::null::name'],
    }
    const allowed = await grade({ type: 'is-sql', value }, 'SELECT id, name FROM users')
    expect(allowed).toMatchObject({
      pass: true,
      reason: 'output is valid MySQL SQL that uses only allowed tables and columns',
    })
    expect(await grade({ type: 'is-sql', value }, 'SELECT id FROM orders')).toMatchObject({
      pass: false,
      reason:
        "expected output to be valid MySQL SQL that uses only allowed tables and columns: table 'select::null::orders' is not among the allowed tables",
    })
    expect((await grade({ type: 'is-sql', value }, 'SELECT id, email FROM users')).reason).toMatch(
      /column 'select::null::email' is not among the allowed columns$/,
    )
  })

  it('inverts as not-is-sql', async () => {
    expect(await grade({ type: 'not-is-sql' }, 'The answer is 42.')).toMatchObject({ pass: true, score: 1 })
    expect(await grade({ type: 'not-is-sql' }, 'SELECT 1')).toMatchObject({
      pass: false,
      score: 0,
      reason: 'expected output not to be valid MySQL SQL',
    })
  })

  it('reads its value from a file', async () => {
    const dir = tempDir({ 'sql.yaml': 'databaseType: Sqlite\nallowedTables: ["select::null::t"]\n' })
    expect((await grade({ type: 'is-sql', value: 'file://sql.yaml' }, 'SELECT a FROM t', {}, dir)).pass).toBe(
      true,
    )
    expect((await grade({ type: 'is-sql', value: 'file://sql.yaml' }, 'SELECT a FROM u', {}, dir)).pass).toBe(
      false,
    )
  })

  it.each([
    [
      'MySQL',
      "is-sql takes optionally {databaseType, allowedTables, allowedColumns}: the dialect (MySQL by default) and the tables and columns the SQL may use, in node-sql-parser's form ('select::null::users', 'select::users::id'); got \"MySQL\"",
    ],
    [
      { databaseType: 'Postgres' },
      'is-sql\'s databaseType "Postgres" is not a dialect node-sql-parser knows: MySQL, MariaDB, PostgresQL, Sqlite, TransactSQL, BigQuery, Snowflake, Redshift, Hive, Db2, FlinkSQL, Athena, Trino, Noql',
    ],
    [
      { allowedTable: ['select::null::users'] },
      "unknown key 'allowedTable' in is-sql's value (did you mean 'allowedTables'?); it takes databaseType, allowedTables, allowedColumns",
    ],
    [
      { allowedTables: 'users' },
      "is-sql's allowedTables is a list of names in node-sql-parser's form, e.g. ['select::null::users']; got \"users\"",
    ],
  ])('refuses the value %j when the suite loads', async (value, message) => {
    expect(await compileError({ type: 'is-sql', value })).toEqual({ key: 'value', path: ['value'], message })
  })
})

describe('contains-sql', () => {
  it('checks the sql (or unmarked) code blocks, passing when one is valid', async () => {
    const answer = 'The query:\n\n```sql\nSELECT name FROM users\n```\n\nIt lists the names.'
    expect(await grade({ type: 'contains-sql' }, answer)).toMatchObject({
      pass: true,
      reason: 'output contains valid MySQL SQL (in a code block)',
    })
    const second = '```\nnot sql at all\n```\nor\n~~~~\nSELECT 1\n~~~~'
    expect((await grade({ type: 'contains-sql' }, second)).pass).toBe(true)
    const python = '```python\nprint(1)\n```\n```sql\nSELEC name\n```'
    expect(await grade({ type: 'contains-sql' }, python)).toMatchObject({ pass: false })
  })

  it('without a code block, checks the whole output', async () => {
    expect((await grade({ type: 'contains-sql' }, 'SELECT 1')).pass).toBe(true)
    const prose = await grade({ type: 'not-contains-sql' }, 'No SQL here.')
    expect(prose).toMatchObject({ pass: true })
    expect(prose.reason).toMatch(/^output does not contain valid MySQL SQL: not valid MySQL SQL/)
  })
})

describe('sqlCodeBlocks', () => {
  it('finds fenced blocks marked sql or unmarked, a closing fence at least as long as the opening one', () => {
    const text = [
      '```SQL',
      'SELECT 1',
      '```',
      '````',
      'SELECT 2',
      '```',
      'still inside',
      '````',
      '```js',
      'x()',
      '```',
    ].join('\n')
    expect(sqlCodeBlocks(text)).toEqual(['SELECT 1', 'SELECT 2\n```\nstill inside'])
    expect(sqlCodeBlocks('```sql\nSELECT 1')).toEqual([])
  })
})
