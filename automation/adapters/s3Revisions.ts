// RevisionStorePort over S3 (AWS SDK v3).
import { HeadObjectCommand, paginateListObjectsV2, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { RevisionObject, RevisionStorePort } from "../core/ports";
import { aws } from "./awsErrors";

export class S3Revisions implements RevisionStorePort {
  constructor(private readonly s3: S3Client) {}

  head(bucket: string, key: string): Promise<RevisionObject | undefined> {
    return aws(async () => {
      try {
        const r = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { key, size: r.ContentLength ?? 0, lastModified: r.LastModified ?? new Date(0), versionId: r.VersionId, eTag: r.ETag };
      } catch (e) {
        if ((e as Error).name === "NotFound" || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
        throw e;
      }
    });
  }

  putNew(bucket: string, key: string, body: Buffer, o: { sha256Base64: string; metadata: Record<string, string> }): Promise<RevisionObject | undefined> {
    return aws(async () => {
      try {
        const r = await this.s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: "application/zip",
            // S3 checks the bytes it stored against this hash, and keeps it with the object.
            ChecksumSHA256: o.sha256Base64,
            Metadata: o.metadata,
            // Written once: S3 refuses if the key exists, even if another deploy raced us.
            IfNoneMatch: "*",
          }),
        );
        return { key, size: body.length, lastModified: new Date(), versionId: r.VersionId, eTag: r.ETag };
      } catch (e) {
        if ((e as Error).name === "PreconditionFailed" || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412) {
          return undefined;
        }
        throw e;
      }
    });
  }

  list(bucket: string, prefix: string): Promise<RevisionObject[]> {
    return aws(async () => {
      const out: RevisionObject[] = [];
      for await (const page of paginateListObjectsV2({ client: this.s3 }, { Bucket: bucket, Prefix: prefix })) {
        for (const o of page.Contents ?? []) out.push({ key: o.Key!, size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0), eTag: o.ETag });
      }
      return out;
    });
  }
}
