import { runKeyOf } from '../../src/batch/run-state.js'

describe('runKeyOf', () => {
  const requests = ['{"custom_id":"capital"}', '{"custom_id":"greeting"}']
  const environment = { commit: 'abc123', runId: '4242' }

  it('is the same for a re-run of the job, which keeps its run id: the re-run resumes', () => {
    expect(runKeyOf(requests, environment)).toBe(runKeyOf([...requests], { ...environment }))
    expect(runKeyOf(requests, environment)).toMatch(/^[0-9a-f]{32}$/)
  })

  it('is new for a changed suite, another commit or another workflow run: they submit again', () => {
    const key = runKeyOf(requests, environment)
    expect(runKeyOf([requests[0], '{"custom_id":"hi"}'], environment)).not.toBe(key)
    expect(runKeyOf(requests, { ...environment, commit: 'def456' })).not.toBe(key)
    expect(runKeyOf(requests, { ...environment, runId: '2002' })).not.toBe(key)
  })

  it('keeps the requests apart: the same text cut at another place is another suite', () => {
    expect(runKeyOf(['ab', 'c'], environment)).not.toBe(runKeyOf(['a', 'bc'], environment))
  })
})
