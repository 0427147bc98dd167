// A revision bundle: the folder as a zip file, deterministic (same files → same bytes), appspec.yml included.
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Readable, Transform } from "stream";
import { pipeline } from "stream/promises";
import { ZipFile } from "yazl";
import { Ec2RollbackError } from "./errors";

/** Never shipped: version control, OS litter, editor swap files. */
const ALWAYS_SKIPPED = new Set([".git", ".hg", ".svn", ".DS_Store", "Thumbs.db"]);
const SKIPPED_PATTERNS = [/\.swp$/, /~$/];
/** Left out unless named with --include: files and folders that usually hold secrets. */
const SECRET_PATTERNS = [/^\.env/, /\.(pem|key|p12|pfx)$/, /^id_(rsa|dsa|ecdsa|ed25519)/, /^\.(npmrc|netrc|pgpass)$/, /^\.(aws|ssh|gnupg)$/];
/** DOS time of every entry: local midnight, 1 Jan 1980, so the bytes do not depend on the clock or time zone. */
const FIXED_MTIME = new Date(1980, 0, 1);
// ignoreBOM: a name that starts with U+FEFF keeps it (stripping it would name another file).
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export interface FolderListing {
  /** Posix paths relative to the folder, sorted. */
  files: string[];
  /** Each file's permission bits (0o644, 0o600, 0o755 …), kept in the bundle. */
  modes: Map<string, number>;
  /** Left out, with why. */
  skipped: string[];
}

export function listFolder(dir: string, o: { includeNodeModules: boolean; include?: string[] }): FolderListing {
  const files: string[] = [];
  const modes = new Map<string, number>();
  const skipped: string[] = [];
  const include = new Set(o.include ?? []);
  const walk = (rel: string) => {
    const entries = fs
      .readdirSync(path.join(dir, rel), { withFileTypes: true, encoding: "buffer" })
      .map((e) => {
        let name: string;
        try {
          name = UTF8.decode(e.name);
        } catch {
          throw new Ec2RollbackError(
            "USAGE",
            `a file name in ${path.join(dir, rel)} is not valid UTF-8 ("${e.name.toString("latin1")}"): rename it (a revision bundle holds UTF-8 names); nothing was uploaded`,
          );
        }
        return { name, e };
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const { name, e } of entries) {
      const p = rel ? `${rel}/${name}` : name;
      if (ALWAYS_SKIPPED.has(name) || SKIPPED_PATTERNS.some((r) => r.test(name))) {
        skipped.push(p);
      } else if (name === "node_modules" && e.isDirectory() && !o.includeNodeModules) {
        skipped.push(`${p} (pass --include-node-modules to ship it)`);
      } else if (SECRET_PATTERNS.some((r) => r.test(name)) && !include.has(p) && !include.has(name)) {
        skipped.push(`${p} (may hold secrets: pass --include ${p} to ship it)`);
      } else if (e.isSymbolicLink()) {
        skipped.push(`${p} (symbolic link)`);
      } else if (e.isDirectory()) {
        walk(p);
      } else if (e.isFile()) {
        files.push(p);
        modes.set(p, fs.statSync(path.join(dir, p)).mode & 0o777);
      }
    }
  };
  walk("");
  return { files, modes, skipped };
}

export interface Bundle {
  /** The zip, alone in a private temporary folder (the folder 0700, the file 0600). */
  path: string;
  size: number;
  sha256Hex: string;
  sha256Base64: string;
  fileCount: number;
  /** Deletes the zip and its folder; safe to call more than once. */
  remove(): Promise<void>;
}

/**
 * Zips `listing` from `dir`, with `appspec` as appspec.yml at the root (replacing the folder's own, if
 * any), into a temporary file, hashing it as it is written. Each file streams from disk through the
 * compressor to the zip file, so memory does not grow with the folder, and files of any size fit
 * (yazl writes ZIP64 records for entries and archives past 4 GiB). On failure nothing is left behind.
 */
export async function buildBundle(dir: string, listing: FolderListing, appspec: string): Promise<Bundle> {
  const prefix = path.join(os.tmpdir(), "ec2rb-bundle-");
  const tmp = await fs.promises.mkdtemp(prefix).catch((e) => Promise.reject(bundleError(dir, prefix, e))); // mode 0700
  // Gone at exit too, however the process ends its run (a second Ctrl-C exits at once): a bundle can be GiBs.
  const atExit = () => fs.rmSync(tmp, { recursive: true, force: true });
  process.once("exit", atExit);
  const remove = async () => {
    process.off("exit", atExit);
    await fs.promises.rm(tmp, { recursive: true, force: true });
  };
  try {
    const file = path.join(tmp, "bundle.zip");
    return { path: file, ...(await writeZip(dir, listing, appspec, file)), remove };
  } catch (e) {
    await remove();
    throw bundleError(dir, prefix, e);
  }
}

async function writeZip(dir: string, listing: FolderListing, appspec: string, file: string) {
  const zip = new ZipFile();
  // yazl reports a file it cannot read (or one that changed size) on the ZipFile, not on its output.
  zip.on("error", (e: Error) => (zip.outputStream as Readable).destroy(e));
  // Same files → same bytes: names sorted, a fixed DOS time (no extended timestamp), modes kept.
  const names = [...new Set([...listing.files, "appspec.yml"])].sort();
  for (const name of names) {
    const fixed = { mtime: FIXED_MTIME, compress: true, forceDosTimestamp: true };
    if (name === "appspec.yml") zip.addBuffer(Buffer.from(appspec), name, { ...fixed, mode: 0o100644 });
    else zip.addFile(path.join(dir, name), name, { ...fixed, mode: 0o100000 | shippedMode(name, listing.modes.get(name) ?? 0o644) });
  }
  zip.end();
  const hash = crypto.createHash("sha256");
  let size = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(zip.outputStream, counted, fs.createWriteStream(file, { flags: "wx", mode: 0o600 }));
  const digest = hash.digest();
  return { size, sha256Hex: digest.toString("hex"), sha256Base64: digest.toString("base64"), fileCount: names.length };
}

/** File modes are kept (a 0600 secret stays 0600); a hook script gets execute wherever it can be read. */
function shippedMode(name: string, mode: number): number {
  const script = name.startsWith("scripts/") && name.endsWith(".sh");
  return script ? mode | ((mode & 0o444) >> 2) : mode;
}

/** A file that vanished, could not be read or changed while it was zipped, or a full disk, as one line with the fix. */
function bundleError(dir: string, tmpPrefix: string, e: unknown): unknown {
  const err = e as NodeJS.ErrnoException;
  if (err?.code && err.path?.startsWith(tmpPrefix)) {
    return new Ec2RollbackError("BUNDLE_FAILED", `could not write the bundle to ${err.path} (${err.code}); nothing was uploaded: make room in ${path.dirname(tmpPrefix)} (or point TMPDIR elsewhere) and deploy again`, { cause: e });
  }
  if (err?.code && err.path) {
    return new Ec2RollbackError("BUNDLE_FAILED", `could not read ${path.relative(dir, err.path)} while bundling (${err.code}); nothing was uploaded: check the file and deploy again`, { cause: e });
  }
  if (/unexpected number of bytes/.test(err?.message ?? "")) {
    return new Ec2RollbackError("BUNDLE_FAILED", `a file in ${dir} changed while it was bundled; nothing was uploaded: deploy again when nothing writes to the folder`, { cause: e });
  }
  return e;
}
