// Deletes every object in the bench's bucket: each bench run uploads the 750 MB image several times,
// and Swift keeps the segments of a multipart upload that is overwritten (deleting the object
// deletes them). Run by bench/run.mjs before each streamed upload and at the end; credentials and
// endpoint from the environment.
import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'

const [bucket] = process.argv.slice(2) as [string]
const client = new S3Client({ endpoint: process.env.S3_ENDPOINT, forcePathStyle: true })
let token: string | undefined
do {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }))
  // One by one: Swift's S3 API deletes a multipart object's segments with the object on a single delete.
  for (const { Key } of page.Contents ?? [])
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }))
  token = page.NextContinuationToken
} while (token)
