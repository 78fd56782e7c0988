import type { SourceConfig } from '../source/config.ts'

/**
 * The values of a build's secrets that are in this process (the `secrets` input's, and the variables
 * `secret-envs` names), for the runner to mask: a build step that prints one shows `***`.
 */
export function secretValues(source: SourceConfig): string[] {
  const buildx =
    source.kind === 'build' ? source.build.buildx : source.kind === 'bake' ? source.bake.buildx : undefined
  const values: string[] = []
  for (const s of buildx?.secrets ?? []) {
    const value = s.kind === 'value' ? s.source : s.kind === 'env' ? process.env[s.source] : undefined
    if (value)
      values.push(value, ...value.split(/\r?\n/).filter((line) => line.trim() !== '' && line !== value))
  }
  return values
}
