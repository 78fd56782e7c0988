import type { Log } from '../util/log.ts'
import type { RetryPolicy, Timeouts } from './retry.ts'

/** How objects are written to a bucket: the store inputs, as every kind of store reads them. */
export interface StoreOptions {
  /** S3-compatible endpoint; empty: AWS. */
  endpoint: string
  cacheControl: string
  /** S3 canned ACL; empty: the bucket's policy. */
  acl: string
  /** GCS predefined ACL; empty: the bucket's policy. */
  predefinedAcl: string
  /** The whole publication's time budget, retries included: a hard ceiling on a bucket. */
  uploadTimeoutMs: number
}

/** For tests of faults and races: shorter timeouts, delays and leases than a real run wants. */
export interface StoreTuning extends Partial<Timeouts> {
  baseDelayMs?: number
  onRetry?: RetryPolicy['onRetry']
  /** The folder lock's lease, settle time and poll interval (lock.ts). */
  leaseMs?: number
  settleMs?: number
  pollMs?: number
  /** How long finding credentials may take. */
  credentialsMs?: number
}

/** What a store is opened with besides its options: the run's cancellation, its budget, test tuning. */
export interface StoreContext {
  signal?: AbortSignal
  /** Where retries are told. */
  log?: Log
  uploadTimeoutMs?: number
  tuning?: StoreTuning
}
