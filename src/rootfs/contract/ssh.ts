import type { ContractFinding } from './checks.ts'
import { abs, type Listed, type RootfsTree } from './tree.ts'

/** SSH host keys in an image would be shared by every machine installed from it, unless replaced on first boot. */
export const SSH_HOST_KEY = /^etc\/ssh\/ssh_host_[^/]*_key$/
export const SSHD_KEYGEN_UNIT =
  /^(?:etc|run|usr\/lib|lib|usr\/local\/lib)\/systemd\/system\/(sshd-keygen(?:@\.service|\.service))$/
export const CLOUD_CFG = /^etc\/cloud\/(?:cloud\.cfg|cloud\.cfg\.d\/[^/]+\.cfg)$/
export const CLOUD_INIT_DISABLED = 'etc/cloud/cloud-init.disabled'

export interface HostKeyFacts {
  tree: RootfsTree
  hostKeys: Listed
  /** Per cloud-init config file: the ssh_deletekeys value it sets (null: none), undefined until read. */
  cloudConfigs: Map<string, { size: number; deleteKeys?: string | null }>
  cloudInit: boolean
}

export function checkHostKeys(out: ContractFinding[], facts: HostKeyFacts): void {
  const keys = facts.hostKeys
  if (keys.count === 0) return
  const paths = [...keys.first.keys()].map(abs)
  const shown = `${paths.slice(0, 3).join(', ')}${keys.count > 3 ? ', ...' : ''}`
  const mechanisms: string[] = []
  const obstacles: string[] = []

  if (facts.cloudInit) {
    const setting = cloudSshDeleteKeys(facts.cloudConfigs)
    if (facts.tree.nodes.has(CLOUD_INIT_DISABLED))
      obstacles.push(`cloud-init is disabled by /${CLOUD_INIT_DISABLED}`)
    else if (setting !== undefined && !isTrue(setting.value))
      obstacles.push(
        `cloud-init keeps them: ssh_deletekeys is ${setting.value || 'empty'} in /${setting.file}`,
      )
    else mechanisms.push("cloud-init's ssh module deletes and regenerates them on first boot")
  }
  const keygen = sshdKeygenUnit(facts.tree)
  if (keygen.unit !== undefined)
    mechanisms.push(
      `an sshd-keygen unit (${abs(keygen.unit)}) generates host keys at boot, but such units usually create only missing ones`,
    )
  else if (keygen.masked) obstacles.push('the sshd-keygen unit is masked')

  const count = `${keys.count} SSH host ${keys.count === 1 ? 'key' : 'keys'} in the image (${shown})`
  if (mechanisms.length === 0)
    out.push({
      id: 'ssh-host-keys',
      level: 'error',
      message: `${count}: every machine installed from it would share them${obstacles.length ? `; ${obstacles.join('; ')}` : ''}`,
      path: paths[0],
      count: keys.count,
      paths,
    })
  else
    out.push({
      id: 'ssh-host-keys',
      level: 'warning',
      message: `${count}: ${mechanisms.join('; ')}`,
      path: paths[0],
      count: keys.count,
      paths,
    })
}

/** cloud-init reads cloud.cfg, then cloud.cfg.d/*.cfg in name order; a later value wins. */
function cloudSshDeleteKeys(
  cloudConfigs: HostKeyFacts['cloudConfigs'],
): { value: string; file: string } | undefined {
  const files = [...cloudConfigs.keys()].sort((a, b) =>
    a === 'etc/cloud/cloud.cfg' ? -1 : b === 'etc/cloud/cloud.cfg' ? 1 : a < b ? -1 : a > b ? 1 : 0,
  )
  let found: { value: string; file: string } | undefined
  for (const file of files) {
    const value = cloudConfigs.get(file)!.deleteKeys
    if (typeof value === 'string') found = { value, file }
  }
  return found
}

/** The first sshd-keygen unit that systemd would run, and whether one was found masked. */
function sshdKeygenUnit(tree: RootfsTree): { unit?: string; masked: boolean } {
  let masked = false
  for (const unit of [...tree.nodes.keys()].filter((p) => SSHD_KEYGEN_UNIT.test(p)).sort()) {
    const name = SSHD_KEYGEN_UNIT.exec(unit)![1]!
    // A unit linked to /dev/null in /etc or /run is masked: systemd will not run it.
    if (
      ['etc', 'run'].some((dir) => tree.nodes.get(`${dir}/systemd/system/${name}`)?.linkname === '/dev/null')
    ) {
      masked = true
      continue
    }
    if (tree.resolve(unit).kind === 'file') return { unit, masked }
  }
  return { masked }
}

/**
 * The last top-level `ssh_deletekeys:` of one cloud-init YAML file, as written (quotes removed), or null
 * when the file does not set it. A line scan, not a YAML parser: cloud-init's own files write it as a
 * plain top-level key; flow-style documents (`{ssh_deletekeys: false}`) are not understood.
 */
export function sshDeleteKeysSetting(text: string): string | null {
  let value: string | null = null
  for (const line of text.split(/\r?\n/)) {
    const m = /^ssh_deletekeys[ \t]*:(.*)$/.exec(line)
    if (!m) continue
    let v = m[1]!.replace(/(^|[ \t])#.*$/, '').trim()
    if (/^(['"]).*\1$/.test(v)) v = v.slice(1, -1)
    value = v
  }
  return value
}

/** cloud-init's util.translate_bool: YAML booleans and the strings true/1/on/yes are true; all else is false. */
function isTrue(value: string): boolean {
  return ['true', '1', 'on', 'yes'].includes(value.trim().toLowerCase())
}
