/** What the tool calls itself in SBOMs; the version is kept equal to package.json's by a test. */
export const TOOL = { name: 'metal-image-action', version: '0.1.0' } as const
