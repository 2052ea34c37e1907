import { modelFamilyOf } from '../../src/common/model-ids.js'

test('a dated snapshot and a -latest alias name their family; other ids stay as they are', () => {
  expect(modelFamilyOf('claude-haiku-4-5-20251001')).toBe('claude-haiku-4-5')
  expect(modelFamilyOf('claude-3-5-haiku-latest')).toBe('claude-3-5-haiku')
  expect(modelFamilyOf('claude-opus-4-8')).toBe('claude-opus-4-8')
  // Only a whole 8-digit date is a snapshot: a version number is not stripped.
  expect(modelFamilyOf('claude-opus-5-5')).toBe('claude-opus-5-5')
  expect(modelFamilyOf('claude-x-2026')).toBe('claude-x-2026')
})
