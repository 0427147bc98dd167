// A revision bundle: the folder as a zip, deterministic (same files → same bytes), appspec.yml included.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
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
    // File modes are kept (a 0600 secret stays 0600); a hook script gets execute wherever it can be read.
    const mode = listing.modes.get(f) ?? 0o644;
    const script = f.startsWith("scripts/") && f.endsWith(".sh");
    entries.set(f, { data: fs.readFileSync(path.join(dir, f)), mode: 0o100000 | (script ? mode | ((mode & 0o444) >> 2) : mode) });
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
