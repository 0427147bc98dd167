// A revision bundle: the folder as a zip, deterministic (same files → same bytes), appspec.yml included.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ZipFile } from "yazl";

/** Never shipped: version control, OS litter, editor swap files. */
const ALWAYS_SKIPPED = new Set([".git", ".hg", ".svn", ".DS_Store", "Thumbs.db"]);
const SKIPPED_PATTERNS = [/\.swp$/, /~$/];
/** DOS time of every entry: local midnight, 1 Jan 1980, so the bytes do not depend on the clock or time zone. */
const FIXED_MTIME = new Date(1980, 0, 1);

export interface FolderListing {
  /** Posix paths relative to the folder, sorted. */
  files: string[];
  executable: Set<string>;
  /** Left out, with why. */
  skipped: string[];
}

export function listFolder(dir: string, o: { includeNodeModules: boolean }): FolderListing {
  const files: string[] = [];
  const executable = new Set<string>();
  const skipped: string[] = [];
  const walk = (rel: string) => {
    const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (ALWAYS_SKIPPED.has(e.name) || SKIPPED_PATTERNS.some((r) => r.test(e.name))) {
        skipped.push(p);
      } else if (e.name === "node_modules" && e.isDirectory() && !o.includeNodeModules) {
        skipped.push(`${p} (pass --include-node-modules to ship it)`);
      } else if (e.isSymbolicLink()) {
        skipped.push(`${p} (symbolic link)`);
      } else if (e.isDirectory()) {
        walk(p);
      } else if (e.isFile()) {
        files.push(p);
        if (fs.statSync(path.join(dir, p)).mode & 0o111) executable.add(p);
      }
    }
  };
  walk("");
  return { files, executable, skipped };
}

export interface Bundle {
  zip: Buffer;
  sha256Hex: string;
  sha256Base64: string;
  fileCount: number;
}

/** Zips `listing` from `dir`, with `appspec` as appspec.yml at the root (replacing the folder's own, if any). */
export async function buildBundle(dir: string, listing: FolderListing, appspec: string): Promise<Bundle> {
  const zip = new ZipFile();
  const entries = new Map<string, { data: Buffer; mode: number }>();
  for (const f of listing.files) {
    const isScript = listing.executable.has(f) || (f.startsWith("scripts/") && f.endsWith(".sh"));
    entries.set(f, { data: fs.readFileSync(path.join(dir, f)), mode: isScript ? 0o100755 : 0o100644 });
  }
  entries.set("appspec.yml", { data: Buffer.from(appspec), mode: 0o100644 });
  for (const name of [...entries.keys()].sort()) {
    const e = entries.get(name)!;
    zip.addBuffer(e.data, name, { mtime: FIXED_MTIME, mode: e.mode, compress: true, forceDosTimestamp: true });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  const data = Buffer.concat(chunks);
  const hash = crypto.createHash("sha256").update(data);
  const digest = hash.digest();
  return { zip: data, sha256Hex: digest.toString("hex"), sha256Base64: digest.toString("base64"), fileCount: entries.size };
}
