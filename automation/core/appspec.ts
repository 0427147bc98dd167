// appspec.yml for EC2/on-premises deployments: check one the user wrote, or write one for them.
import { isMap, isScalar, isSeq, LineCounter, Node, parseDocument, Scalar, stringify, YAMLMap } from "yaml";

export const HOOKS = ["ApplicationStop", "BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService"] as const;
const TOP_LEVEL = new Set(["version", "os", "files", "permissions", "hooks", "file_exists_behavior"]);
const HOOK_KEYS = new Set(["location", "timeout", "runas"]);
export const MAX_HOOK_TIMEOUT = 3600;

/** Conventional hook scripts: if the folder has one, the generated appspec runs it. */
export const CONVENTIONAL_SCRIPTS: Record<(typeof HOOKS)[number], string> = {
  ApplicationStop: "scripts/stop.sh",
  BeforeInstall: "scripts/before-install.sh",
  AfterInstall: "scripts/after-install.sh",
  ApplicationStart: "scripts/start.sh",
  ValidateService: "scripts/validate.sh",
};

export interface AppspecProblem {
  line: number;
  message: string;
}

/**
 * Every problem in an appspec.yml, each with its line. `files` is the bundle's file list
 * (posix paths), to check that hook scripts exist.
 */
export function validateAppspec(text: string, bundleFiles: Set<string>): AppspecProblem[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  const problems: AppspecProblem[] = [];
  const lineOf = (n: Node | null | undefined) => (n?.range ? lc.linePos(n.range[0]).line : 1);
  const add = (n: Node | null | undefined, message: string) => problems.push({ line: lineOf(n), message });
  for (const e of doc.errors) problems.push({ line: e.linePos?.[0].line ?? 1, message: `YAML: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}` });
  if (doc.errors.length) return problems;

  const root = doc.contents;
  if (!isMap(root)) return [{ line: 1, message: "appspec.yml must be a mapping with version, os, files and hooks" }];
  const get = (key: string) => root.items.find((p) => isScalar(p.key) && p.key.value === key);

  for (const p of root.items) {
    const k = isScalar(p.key) ? String(p.key.value) : "";
    if (!TOP_LEVEL.has(k)) add(p.key as Node, `unknown key "${k}" (known: ${[...TOP_LEVEL].join(", ")})`);
  }

  const version = get("version");
  if (!version) add(root, 'missing "version: 0.0"');
  else if (!isScalar(version.value) || (version.value as Scalar).source !== "0.0") add(version.key as Node, 'version must be 0.0');

  const os = get("os");
  if (!os) add(root, 'missing "os: linux"');
  else if (!isScalar(os.value) || os.value.value !== "linux") add(os.key as Node, `os must be linux (this instance runs Linux), not ${JSON.stringify(isScalar(os.value) ? os.value.value : "a list")}`);

  const files = get("files");
  if (files) {
    if (!isSeq(files.value)) add(files.key as Node, "files must be a list of {source, destination}");
    else
      files.value.items.forEach((item, i) => {
        const n = item as Node;
        if (!isMap(item)) {
          add(n, `files[${i}] must be a mapping with source and destination`);
          return;
        }
        for (const p of item.items) {
          const k = isScalar(p.key) ? String(p.key.value) : "";
          if (k !== "source" && k !== "destination") add(p.key as Node, `files[${i}]: unknown key "${k}" (known: source, destination)`);
        }
        const src: unknown = item.get("source");
        const dest: unknown = item.get("destination");
        if (typeof src !== "string" || !src) add(n, `files[${i}]: source is missing`);
        // As strict as hook locations: "/" (the whole revision) or a relative path inside the bundle.
        else if (src !== "/" && (src.startsWith("/") || src.split("/").includes(".."))) {
          add(item.get("source", true) as Node, `files[${i}]: source "${src}" must be "/" or a relative path inside the bundle (no "..", not absolute)`);
        } else if (src !== "/") {
          const rel = src.replace(/^\.\//, "").replace(/\/$/, "");
          if (!bundleFiles.has(rel) && ![...bundleFiles].some((f) => f.startsWith(`${rel}/`))) add(item.get("source", true) as Node, `files[${i}]: source ${src} is not in the folder`);
        }
        if (typeof dest !== "string" || !dest) add(n, `files[${i}]: destination is missing`);
        else if (!dest.startsWith("/")) add(item.get("destination", true) as Node, `files[${i}]: destination "${dest}" must be an absolute path`);
      });
  }

  const feb = get("file_exists_behavior");
  if (feb && !(isScalar(feb.value) && ["DISALLOW", "OVERWRITE", "RETAIN"].includes(String(feb.value.value)))) {
    add(feb.key as Node, "file_exists_behavior must be DISALLOW, OVERWRITE or RETAIN");
  }

  const permissions = get("permissions");
  if (permissions && !isSeq(permissions.value)) add(permissions.key as Node, "permissions must be a list of {object, …}");
  else if (permissions && isSeq(permissions.value)) {
    permissions.value.items.forEach((item, i) => {
      if (!isMap(item) || typeof item.get("object") !== "string") add(item as Node, `permissions[${i}]: object is missing`);
    });
  }

  const hooks = get("hooks");
  if (hooks) {
    if (!isMap(hooks.value)) add(hooks.key as Node, "hooks must be a mapping of hook name to a list of scripts");
    else
      for (const h of (hooks.value as YAMLMap).items) {
        const name = isScalar(h.key) ? String(h.key.value) : "";
        if (!(HOOKS as readonly string[]).includes(name)) {
          add(h.key as Node, `unknown hook "${name}" (known: ${HOOKS.join(", ")})`);
          continue;
        }
        if (!isSeq(h.value)) {
          add(h.key as Node, `${name} must be a list of {location, timeout, runas}`);
          continue;
        }
        h.value.items.forEach((s, i) => {
          const where = `${name}[${i}]`;
          if (!isMap(s)) {
            add(s as Node, `${where} must be a mapping with location`);
            return;
          }
          for (const p of s.items) {
            const k = isScalar(p.key) ? String(p.key.value) : "";
            if (!HOOK_KEYS.has(k)) add(p.key as Node, `${where}: unknown key "${k}" (known: location, timeout, runas)`);
          }
          const location = s.get("location");
          if (typeof location !== "string" || !location) add(s, `${where}: location is missing`);
          else if (!bundleFiles.has(location.replace(/^\.?\//, ""))) add(s.get("location", true) as Node, `${where}: script ${location} is not in the folder`);
          const timeout = s.get("timeout");
          if (timeout !== undefined && (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < 1 || timeout > MAX_HOOK_TIMEOUT)) {
            add(s.get("timeout", true) as Node, `${where}: timeout ${JSON.stringify(timeout)} must be whole seconds from 1 to ${MAX_HOOK_TIMEOUT}`);
          }
          const runas = s.get("runas");
          if (runas !== undefined && (typeof runas !== "string" || !/^[a-z_][a-z0-9_-]*$/.test(runas))) add(s.get("runas", true) as Node, `${where}: runas must be a user name`);
        });
      }
  }
  return problems.sort((a, b) => a.line - b.line);
}

/** The hooks a generated appspec runs: those whose conventional script the folder has. */
export function conventionalHooks(files: Set<string>): (typeof HOOKS)[number][] {
  return HOOKS.filter((h) => files.has(CONVENTIONAL_SCRIPTS[h]));
}

/** An appspec.yml for a folder that has none: all files to `destination`, hooks from conventional scripts. */
export function generateAppspec(files: Set<string>, destination: string): string {
  const hooks: Record<string, { location: string; timeout: number; runas: string }[]> = {};
  for (const hook of conventionalHooks(files)) {
    hooks[hook] = [{ location: CONVENTIONAL_SCRIPTS[hook], timeout: hook === "ValidateService" ? 300 : 120, runas: "root" }];
  }
  const spec: Record<string, unknown> = { os: "linux", files: [{ source: "/", destination }] };
  if ([...files].some((f) => f.startsWith("scripts/") && f.endsWith(".sh"))) {
    spec.permissions = [{ object: `${destination}/scripts`, pattern: "*.sh", mode: 755, type: ["file"] }];
  }
  if (Object.keys(hooks).length) spec.hooks = hooks;
  // `version: 0.0` written by hand: a YAML library writes the number 0.0 as 0.
  return "# Generated by ec2-rollback deploy; put an appspec.yml in the folder to use your own.\nversion: 0.0\n" + stringify(spec);
}
