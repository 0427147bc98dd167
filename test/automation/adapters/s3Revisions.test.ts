// The revisions store over S3: one conditional PutObject for a small bundle, a multipart upload that is
// just as conditional for a large one, and nothing overwritten or left behind either way.
import { expect } from "chai";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { mockClient } from "aws-sdk-client-mock";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { PART_SIZE, S3Revisions, SINGLE_PUT_MAX } from "../../../automation/adapters/s3Revisions";
import { UploadProgress } from "../../../automation/core/ports";
import { failure } from "../../helpers/failure";

const BUCKET = "myapp-revisions-4f1e2d";
const KEY = "myapp/1.1.0.zip";
const preconditionFailed = () =>
  Object.assign(new Error("At least one of the pre-conditions you specified did not hold"), { name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } });

describe("S3 revisions store: putNew", function () {
  const s3 = mockClient(S3Client);
  const store = () => new S3Revisions(new S3Client({ region: "eu-west-1" }));
  let dir: string;

  /** A bundle file of `size` random bytes, with its SHA-256. */
  function bundle(size: number) {
    const bytes = crypto.randomBytes(size);
    const file = path.join(dir, `bundle-${size}.zip`);
    fs.writeFileSync(file, bytes);
    const digest = crypto.createHash("sha256").update(bytes).digest();
    return { bytes, file: { path: file, size }, sha256Base64: digest.toString("base64"), metadata: { version: "1.1.0", sha256: digest.toString("hex") } };
  }

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-s3-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    s3.reset();
    s3.on(PutObjectCommand).resolves({ ETag: '"etag-put"', VersionId: "v-put" });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "u-1" });
    s3.on(UploadPartCommand).callsFake((input) => Promise.resolve({ ETag: `"part-${input.PartNumber}"` }));
    s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"etag-mpu-3"', VersionId: "v-mpu" });
    s3.on(AbortMultipartUploadCommand).resolves({});
  });

  it(`a bundle of at most ${SINGLE_PUT_MAX / 1024 ** 2} MiB: one PutObject with its SHA-256, written only if the key is new`, async () => {
    const b = bundle(SINGLE_PUT_MAX);
    const r = await store().putNew(BUCKET, KEY, b.file, { sha256Base64: b.sha256Base64, metadata: b.metadata });
    expect(r).to.deep.include({ key: KEY, size: SINGLE_PUT_MAX, eTag: '"etag-put"', versionId: "v-put" });
    const put = s3.commandCalls(PutObjectCommand);
    expect(put).to.have.length(1);
    expect(put[0].args[0].input).to.deep.include({ Bucket: BUCKET, Key: KEY, ContentType: "application/zip", IfNoneMatch: "*", ChecksumSHA256: b.sha256Base64, Metadata: b.metadata });
    expect((put[0].args[0].input.Body as Buffer).equals(b.bytes)).to.equal(true);
    expect(s3.commandCalls(CreateMultipartUploadCommand)).to.have.length(0);
  });

  it("a larger bundle: a multipart upload streamed from the file, each part checked by SHA-256, conditional at Complete, with progress", async () => {
    const size = 2 * PART_SIZE + 5;
    const b = bundle(size);
    const progress: UploadProgress[] = [];
    const r = await store().putNew(BUCKET, KEY, b.file, { sha256Base64: b.sha256Base64, metadata: b.metadata, onProgress: (p) => progress.push(p) });
    expect(r).to.deep.include({ key: KEY, size, eTag: '"etag-mpu-3"', versionId: "v-mpu" });
    expect(s3.commandCalls(PutObjectCommand), "no single put").to.have.length(0);

    const create = s3.commandCalls(CreateMultipartUploadCommand);
    expect(create).to.have.length(1);
    expect(create[0].args[0].input).to.deep.include({ Bucket: BUCKET, Key: KEY, ContentType: "application/zip", ChecksumAlgorithm: "SHA256", Metadata: b.metadata });
    // A whole-object SHA-256 is not valid for a multipart upload (S3's is composite): ours is in the metadata.
    expect(create[0].args[0].input).not.to.have.property("ChecksumSHA256");

    const parts = s3.commandCalls(UploadPartCommand).map((c) => c.args[0].input).sort((x, y) => x.PartNumber! - y.PartNumber!);
    expect(parts.map((p) => [p.PartNumber, p.UploadId, p.ChecksumAlgorithm, (p.Body as Buffer).length])).to.deep.equal([
      [1, "u-1", "SHA256", PART_SIZE],
      [2, "u-1", "SHA256", PART_SIZE],
      [3, "u-1", "SHA256", 5],
    ]);
    expect(Buffer.concat(parts.map((p) => p.Body as Buffer)).equals(b.bytes), "the parts are the file").to.equal(true);

    const complete = s3.commandCalls(CompleteMultipartUploadCommand);
    expect(complete).to.have.length(1);
    expect(complete[0].args[0].input).to.deep.include({ Bucket: BUCKET, Key: KEY, UploadId: "u-1", IfNoneMatch: "*" });
    expect(complete[0].args[0].input.MultipartUpload!.Parts).to.deep.equal([1, 2, 3].map((n) => ({ PartNumber: n, ETag: `"part-${n}"` })));
    expect(s3.commandCalls(AbortMultipartUploadCommand)).to.have.length(0);

    expect(progress.at(-1)).to.deep.equal({ loaded: size, total: size });
    expect(progress.map((p) => p.loaded)).to.deep.equal([...progress.map((p) => p.loaded)].sort((x, y) => x - y));
  });

  it("the key written meanwhile (412 at CompleteMultipartUpload): nothing overwritten, undefined, and the upload aborted", async () => {
    s3.on(CompleteMultipartUploadCommand).rejects(preconditionFailed());
    const b = bundle(PART_SIZE + 1);
    const r = await store().putNew(BUCKET, KEY, b.file, { sha256Base64: b.sha256Base64, metadata: b.metadata });
    expect(r).to.equal(undefined);
    const aborted = s3.commandCalls(AbortMultipartUploadCommand);
    expect(aborted).to.have.length(1);
    expect(aborted[0].args[0].input).to.deep.equal({ Bucket: BUCKET, Key: KEY, UploadId: "u-1" });
  });

  it("the key written meanwhile (412 at PutObject): undefined, nothing overwritten", async () => {
    s3.on(PutObjectCommand).rejects(preconditionFailed());
    const b = bundle(1000);
    expect(await store().putNew(BUCKET, KEY, b.file, { sha256Base64: b.sha256Base64, metadata: b.metadata })).to.equal(undefined);
  });

  it("412 on the SDK's retry of our own write (the first answer lost): the object there carries our metadata, so it is ours", async () => {
    s3.on(PutObjectCommand).rejects(preconditionFailed());
    const b = bundle(1000);
    const lower = Object.fromEntries(Object.entries(b.metadata).map(([k, v]) => [k.toLowerCase(), v]));
    s3.on(HeadObjectCommand).resolves({ Metadata: lower, ContentLength: 1000, VersionId: "v1" });
    const put = await store().putNew(BUCKET, KEY, b.file, { sha256Base64: b.sha256Base64, metadata: b.metadata });
    expect(put).to.deep.include({ key: KEY, size: 1000, versionId: "v1" });
    s3.on(HeadObjectCommand).resolves({ Metadata: { ...lower, sha256: "someone else's" }, ContentLength: 1000 });
    expect(await store().putNew(BUCKET, KEY, b.file, { sha256Base64: b.sha256Base64, metadata: b.metadata }), "another upload: not ours").to.equal(undefined);
  });

  it("a part S3 refuses fails the upload, which is aborted (no parts left behind) and never completed", async () => {
    s3.on(UploadPartCommand, { PartNumber: 2 }).rejects(Object.assign(new Error("Value for x-amz-checksum-sha256 header is invalid."), { name: "InvalidRequest", $metadata: { httpStatusCode: 400 } }));
    const b = bundle(2 * PART_SIZE + 5);
    const e = await failure(store().putNew(BUCKET, KEY, b.file, { sha256Base64: b.sha256Base64, metadata: b.metadata }));
    expect(e.message).to.match(/x-amz-checksum-sha256/);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).to.have.length(0);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).to.have.length(1);
  });

  it("stopped by the caller's signal mid-upload: rejects, never completes, and the upload is aborted", async () => {
    const stop = new AbortController();
    const b = bundle(3 * PART_SIZE);
    const e = await failure(store().putNew(BUCKET, KEY, b.file, { sha256Base64: b.sha256Base64, metadata: b.metadata, signal: stop.signal, onProgress: () => stop.abort() }));
    expect(e.name).to.equal("AbortError");
    // lib-storage aborts the multipart upload once its part uploads in flight have returned.
    for (let i = 0; i < 50 && !s3.commandCalls(AbortMultipartUploadCommand).length; i++) await new Promise((r) => setTimeout(r, 20));
    expect(s3.commandCalls(AbortMultipartUploadCommand)).to.have.length(1);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).to.have.length(0);
  });
});
