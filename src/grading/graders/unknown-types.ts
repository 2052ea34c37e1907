/** What an assertion type that no grader grades gets: a did-you-mean among the registry's types, or the list. */
import { didYouMean } from '../../common/did-you-mean.js'
import { ASSERTION_TYPES, BASE_ASSERTION_TYPES } from './registry.js'

/** The type list of the errors about a missing or unknown type. */
export const TYPE_LIST = `${BASE_ASSERTION_TYPES.join(', ')} (each also as not-...), or assert-set`

/** The error about an assertion of `type`, which no grader grades: the closest known type, or the list. */
export function unknownTypeMessage(type: string): string {
  const suggestion = didYouMean(type, ASSERTION_TYPES)
  return `unknown assertion type '${type}'${suggestion}` + (suggestion ? '' : `; use one of ${TYPE_LIST}`)
}
