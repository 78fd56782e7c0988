import type { PublishConfig } from '../config/types.ts'
import { diffPackages, formatPackageDiff, PackageListError } from '../packages/package-diff.ts'
import { osRelease, type InstalledPackages, type PackageDatabases } from '../packages/installed.ts'
import { buildSbom, serializeSbom } from '../packages/sbom.ts'
import type { Streamed } from '../pipeline/stream.ts'
import { CONTRACT_FILE, PACKAGES_FILE, SBOM_FILE } from '../release/files.ts'
import type { Plan } from '../release/plan.ts'
import type { ContractChecker } from '../rootfs/contract/checker.ts'
import { formatContractJson, type ContractDocument } from '../rootfs/contract/checks.ts'
import type { Store } from '../store/store.ts'
import { InputError } from '../util/errors.ts'
import type { Log } from '../util/log.ts'
import { TOOL } from '../util/tool.ts'

/** What the image says about itself, and the files that say it beside the image. */
export interface Description {
  packages: InstalledPackages | undefined
  contract: ContractDocument | undefined
  /** What changed in packages.txt since the previous version, as Markdown. */
  packageChanges: string | undefined
  files: [name: string, data: string | Buffer][]
}

/**
 * packages.txt, the SBOM and the contract's verdict, from the files the stream kept. In contract mode
 * error a violation fails the run here, before anything is committed: nothing is published.
 */
export async function describeImage(
  streamed: Streamed,
  databases: PackageDatabases,
  contract: ContractChecker | undefined,
  config: PublishConfig,
  plan: Plan,
  store: Store,
  now: Date,
  log: Log,
  signal: AbortSignal,
): Promise<Description> {
  const { imageId, version } = plan.version
  const files: Description['files'] = []
  const packages = await databases.read(streamed.files, imageId, signal)
  if (packages) files.push([PACKAGES_FILE, packages.listing])
  const packageChanges = packages ? await packagesSince(store, plan, packages.listing, log) : undefined
  if (config.sbom) {
    const sbom = buildSbom({
      imageId,
      version,
      osRelease: osRelease(streamed.files),
      packages: packages?.sbom ?? [],
      timestamp: now,
      tool: TOOL,
    })
    files.push([SBOM_FILE, serializeSbom(sbom)])
    log.info(`${SBOM_FILE}: CycloneDX 1.6, ${packages?.sbom.length ?? 0} components`)
  }
  const verdict = contract ? checkContract(contract, packages?.names, config.contract, log) : undefined
  if (verdict && config.contractJson) files.push([CONTRACT_FILE, verdict.file])
  return { packages, contract: verdict?.document, packageChanges, files }
}

/** One log line (and annotation) per finding, then the verdict; fails the run in mode error. */
function checkContract(
  checker: ContractChecker,
  names: Set<string> | undefined,
  mode: PublishConfig['contract'],
  log: Log,
): ReturnType<typeof formatContractJson> {
  const result = formatContractJson(checker.finish(names ? { names } : undefined), mode)
  for (const f of result.document.findings) {
    const line = `contract ${f.level} [${f.id}] ${f.message}${f.path ? ` (${f.path})` : ''}`
    if (f.level === 'error' || mode === 'warn') log.warning(line)
    else log.info(line)
  }
  const { errors, warnings } = result.document
  log.info(`contract: ${errors} errors, ${warnings} warnings (mode ${mode})`)
  if (result.document.failed) {
    const first = result.document.findings.filter((f) => f.level === 'error')
    throw new InputError(
      'contract',
      mode,
      `the rootfs breaks metal-hammer's contract, so nothing was published: ${first.map((f) => `[${f.id}] ${f.message}`).join('; ')}. Fix the image, or set contract to warn to publish it anyway`,
    )
  }
  return result
}

/**
 * The packages added, removed and upgraded since the previous version, from its packages.txt in the
 * store (read before this run replaces it): what a reviewer of an image change looks at first.
 */
async function packagesSince(
  store: Store,
  plan: Plan,
  listing: Buffer,
  log: Log,
): Promise<string | undefined> {
  const previous = plan.decision.previous
  if (!previous) return undefined
  const folder =
    plan.imageDir === plan.indexDir ? plan.imageDir : `${plan.indexDir}/${previous.split('.').at(-1)}`
  const before = await store.read(`${folder}/${PACKAGES_FILE}`)
  if (!before) return undefined
  try {
    const diff = diffPackages(before.toString('latin1'), listing.toString('latin1'))
    const since = `${plan.placement.osName}-${previous}`
    log.info(
      `packages since ${since}: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.upgraded.length} upgraded, ${diff.downgraded.length} downgraded`,
    )
    return formatPackageDiff(diff, { since })
  } catch (err) {
    if (!(err instanceof PackageListError)) throw err
    log.warning(`The previous ${PACKAGES_FILE} in ${store.url(folder)} cannot be read: ${err.message}`)
    return undefined
  }
}
