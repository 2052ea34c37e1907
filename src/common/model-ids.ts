/**
 * A model id as tables key it: a dated snapshot (`claude-haiku-4-5-20251001`) or a `-latest` alias
 * (`claude-3-5-haiku-latest`) names the same model as its family's id without the suffix. The price table and
 * the capability table both look models up through this, so that an id one accepts the other does too.
 */
export function modelFamilyOf(model: string): string {
  return model.replace(/-(?:\d{8}|latest)$/, '')
}
