/** How objects are written to a bucket: the store inputs, as every kind of store reads them. */
export interface StoreOptions {
  /** S3-compatible endpoint; empty: AWS. */
  endpoint: string
  cacheControl: string
  /** S3 canned ACL; empty: the bucket's policy. */
  acl: string
  /** GCS predefined ACL; empty: the bucket's policy. */
  predefinedAcl: string
  /** The whole publication's time budget, retries included. */
  uploadTimeoutMs: number
}
