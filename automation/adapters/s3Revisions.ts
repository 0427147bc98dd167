// RevisionStorePort over S3 (AWS SDK v3; @aws-sdk/lib-storage for multipart uploads).
import * as fs from "fs";
import { HeadObjectCommand, paginateListObjectsV2, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { RevisionObject, RevisionStorePort, UploadFile, UploadProgress } from "../core/ports";
import { aws, AWS_CALL_DEADLINE_MS, clientConfig, withErrorContext } from "./awsErrors";

const MiB = 1024 ** 2;
/**
 * Up to this size a bundle goes up in one PutObject, read into memory first (16 MiB at most) so that
 * the SDK can send it again on a retry; above it, in parts of this size, `PART_QUEUE` at a time
 * (about 4 × 16 MiB in memory, whatever the bundle's size).
 */
export const SINGLE_PUT_MAX = 16 * MiB;
export const PART_SIZE = 16 * MiB;
export const PART_QUEUE = 4;
/** S3 takes at most 10,000 parts: past 160 GiB the parts grow. */
const MAX_PARTS = 10_000;
/**
 * An upload ends within 30 s plus its size at 256 KiB/s (1 GiB: about 70 min), so a slow link can
 * finish; a stalled connection ends sooner, on the client's per-request timeout.
 */
const SLOWEST_BYTES_PER_S = 256 * 1024;

const uploadDeadlineMs = (size: number) => AWS_CALL_DEADLINE_MS + Math.ceil((size / SLOWEST_BYTES_PER_S) * 1000);

/** S3's answer to `If-None-Match: *` when the key exists: 412 PreconditionFailed. */
function alreadyExists(e: unknown): boolean {
  return (e as Error).name === "PreconditionFailed" || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412;
}

type PutOptions = { sha256Base64: string; metadata: Record<string, string>; onProgress?: (p: UploadProgress) => void };

export class S3Revisions implements RevisionStorePort {
  constructor(private readonly s3: S3Client) {}

  /** The adapter over a client of the stack's region, with the settings and error context every client gets. */
  static forRegion(region: string): S3Revisions {
    return new S3Revisions(withErrorContext(new S3Client(clientConfig(region))));
  }

  head(bucket: string, key: string): Promise<RevisionObject | undefined> {
    return aws(async () => {
      try {
        const r = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { key, size: r.ContentLength ?? 0, lastModified: r.LastModified ?? new Date(0), versionId: r.VersionId, eTag: r.ETag, metadata: r.Metadata };
      } catch (e) {
        if ((e as Error).name === "NotFound" || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
        throw e;
      }
    });
  }

  async putNew(bucket: string, key: string, file: UploadFile, o: PutOptions & { signal?: AbortSignal }): Promise<RevisionObject | undefined> {
    // One controller stops the upload on the caller's signal and when the deadline passes: a stopped
    // single put writes nothing, a stopped multipart upload is aborted (its parts deleted).
    const abort = new AbortController();
    const stop = () => abort.abort();
    if (o.signal?.aborted) stop();
    o.signal?.addEventListener("abort", stop, { once: true });
    try {
      return await aws(async () => {
        try {
          return await (file.size <= SINGLE_PUT_MAX ? this.putOnce(bucket, key, file, o, abort.signal) : this.putInParts(bucket, key, file, o, abort));
        } catch (e) {
          if (!alreadyExists(e)) throw e;
          // Our own write, answered 412 on the SDK's retry after a lost response, is ours: the object
          // there carries exactly our metadata (its sha256, who uploaded it). Anything else: nothing was
          // overwritten, and the key is someone else's.
          return this.ifOurs(bucket, key, o.metadata);
        }
      }, uploadDeadlineMs(file.size));
    } catch (e) {
      abort.abort();
      throw e;
    } finally {
      o.signal?.removeEventListener("abort", stop);
    }
  }

  private async ifOurs(bucket: string, key: string, metadata: Record<string, string>): Promise<RevisionObject | undefined> {
    const there = await this.head(bucket, key).catch(() => undefined); // cannot tell: not ours
    const theirs = there?.metadata ?? {};
    return there && Object.entries(metadata).every(([k, v]) => theirs[k.toLowerCase()] === v) ? there : undefined;
  }

  private async putOnce(bucket: string, key: string, file: UploadFile, o: PutOptions, signal: AbortSignal): Promise<RevisionObject> {
    const body = await fs.promises.readFile(file.path);
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
      { abortSignal: signal },
    );
    return { key, size: body.length, lastModified: new Date(), versionId: r.VersionId, eTag: r.ETag };
  }

  /**
   * A multipart upload streamed from the file. lib-storage spreads `params` into each request, and the
   * SDK sends only the members each operation has:
   *  - No overwrite: `IfNoneMatch: "*"` reaches CompleteMultipartUpload (the only multipart call that
   *    takes it), where S3 refuses with 412 PreconditionFailed if the key exists — the object appears
   *    at Complete or not at all ("How to prevent object overwrites with conditional writes",
   *    https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html, and the
   *    CompleteMultipartUpload API reference, If-None-Match). When Complete fails, lib-storage sends
   *    AbortMultipartUpload (Upload.__doMultipartUpload → markUploadAsAborted), so the parts are
   *    deleted; the bucket's lifecycle rule removes any an interrupted process leaves.
   *  - Integrity: a whole-object ChecksumSHA256 is not valid here (S3's SHA-256 of a multipart object
   *    is composite, a hash of the parts' hashes), so it is not passed. `ChecksumAlgorithm: "SHA256"`
   *    makes the SDK send each part's SHA-256, which S3 checks before accepting the part, and
   *    Complete checks the list of parts; our own SHA-256 of the whole file stays in the metadata.
   */
  private async putInParts(bucket: string, key: string, file: UploadFile, o: PutOptions, abort: AbortController): Promise<RevisionObject> {
    const body = fs.createReadStream(file.path);
    try {
      const upload = new Upload({
        client: this.s3,
        partSize: Math.max(PART_SIZE, Math.ceil(file.size / MAX_PARTS)),
        queueSize: PART_QUEUE,
        leavePartsOnError: false,
        abortController: abort,
        params: {
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: file.size,
          ContentType: "application/zip",
          ChecksumAlgorithm: "SHA256",
          Metadata: o.metadata,
          IfNoneMatch: "*",
        },
      });
      const onProgress = o.onProgress;
      if (onProgress) upload.on("httpUploadProgress", (p) => onProgress({ loaded: p.loaded ?? 0, total: p.total ?? file.size }));
      const r = await upload.done();
      return { key, size: file.size, lastModified: new Date(), versionId: r.VersionId, eTag: r.ETag };
    } finally {
      body.destroy();
    }
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
