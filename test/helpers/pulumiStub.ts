// A stand-in `pulumi` executable for adapter tests: put first on PATH, it records every call's
// arguments and answers as the CLI does (JSON where the Automation API asks for JSON, exit codes,
// error text, engine events in the --event-log file). Its stack lives in a JSON file.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface StubState {
  stacks: string[];
  config: Record<string, string>;
  outputs: Record<string, unknown>;
  history: Record<string, unknown>[];
  /** Make `up` fail as a locked stack does. */
  locked?: boolean;
  /** Make `up` fail with this error line. */
  upError?: string;
  /** Make the next `up` take this long (it answers SIGINT by cancelling, as the CLI does); later ones are quick. */
  upSleepMs?: number;
  /** Stack commands need PULUMI_CONFIG_PASSPHRASE, as a passphrase-encrypted stack does. */
  needsPassphrase?: boolean;
  /** The stack the user has selected in Pulumi (`current` in `pulumi stack ls`); default dev. */
  selected?: string;
  /** The machine keys the last `up` applied (for the engine steps of the next one); unset = the newest history entry's config. */
  applied?: Record<string, string>;
  /** Stack tags (`pulumi stack tag …`), kept in the backend. */
  tags?: Record<string, string>;
  /** Other stacks of the project: their config and tags (`--stack <name>`); a string = the error reading it gives. */
  otherStacks?: Record<string, { config: Record<string, string>; tags?: Record<string, string>; outputs?: Record<string, unknown> } | string>;
  /** `up` says at once that it got an interrupt itself ("^C received; cancelling"), as after a terminal's Ctrl-C. */
  announceCancel?: boolean;
  /** The backend has no stack tags (a DIY backend before Pulumi CLI 3.211): every `stack tag` command fails as it does there. */
  noTags?: boolean;
  /** Every call but `up` takes this long (so calls that run side by side overlap in the log, however busy the machine). */
  holdMs?: number;
  /** Make `preview` record the --config-file it was given (its text), to check the stack's own config was left alone. */
  previewConfigFiles?: string[];
}

const SCRIPT = String.raw`#!/usr/bin/env node
const fs = require("fs");
const args = process.argv.slice(2);
const logPath = process.env.PULUMI_STUB_LOG, statePath = process.env.PULUMI_STUB_STATE;
fs.appendFileSync(logPath, JSON.stringify({ args, backend: process.env.PULUMI_BACKEND_URL || null, pid: process.pid, t0: Date.now() }) + "\n");
process.on("exit", () => fs.appendFileSync(logPath, JSON.stringify({ exited: process.pid, t1: Date.now() }) + "\n"));
const state = JSON.parse(fs.readFileSync(statePath, "utf8"));
const save = () => fs.writeFileSync(statePath, JSON.stringify(state));
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const stack = opt("--stack");
const fail = (msg) => { process.stderr.write(msg + "\n"); process.exit(255); };
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
// The engine's steps for a change of the four machine keys, as the program makes them: a slot whose
// version changes gets a new machine, a slot's power state follows, and a new live slot moves the address.
const machineKeys = (c) => ({ liveSlot: c["ec2-rollback:liveSlot"] || "blue", amiVersion: c["ec2-rollback:amiVersion"], standbyAmiVersion: c["ec2-rollback:standbyAmiVersion"] || "", standbyState: c["ec2-rollback:standbyState"] || "stopped" });
const slotsOf = (m) => {
  const other = m.liveSlot === "blue" ? "green" : "blue";
  return { [m.liveSlot]: { v: m.amiVersion, power: "running" }, [other]: { v: m.standbyAmiVersion, power: m.standbyState } };
};
const stepsBetween = (before, after) => {
  const INSTANCE = "aws:ec2/instance:Instance", POWER = "aws:ec2transitgateway/instanceState:InstanceState";
  const out = [], b = slotsOf(before), n = slotsOf(after);
  for (const s of ["blue", "green"]) {
    if (!b[s].v && n[s].v) out.push(["create", INSTANCE, "myapp-" + s]);
    else if (b[s].v && !n[s].v) out.push(["delete", INSTANCE, "myapp-" + s]);
    else if (b[s].v !== n[s].v) out.push(["create-replacement", INSTANCE, "myapp-" + s], ["replace", INSTANCE, "myapp-" + s]);
    if (n[s].v && (!b[s].v || b[s].v !== n[s].v || b[s].power !== n[s].power)) out.push(["update", POWER, "myapp-" + s + "-power", n[s].power]);
  }
  if (before.liveSlot !== after.liveSlot) out.push(["create-replacement", "aws:ec2/eipAssociation:EipAssociation", "myapp-eip-association"]);
  for (const s of ["blue", "green"]) if (b[s].v && n[s].v && b[s].v !== n[s].v) out.push(["delete-replaced", INSTANCE, "myapp-" + s]);
  return out;
};
const events = (file, after) => {
  if (!file) return;
  const last = Object.fromEntries(Object.entries((state.history[0] || {}).config || {}).map(([k, v]) => [k, v.value]));
  const before = state.applied || machineKeys(last);
  const urn = (type, name) => "urn:pulumi:" + stack + "::ec2-rollback::ec2-rollback:index:Server$" + type + "::" + name;
  const steps = stepsBetween(before, after);
  const lines = steps.map(([op, type, name, power], i) => ({ sequence: i + 1, timestamp: i + 1,
    resourcePreEvent: { metadata: { op, urn: urn(type, name), type, provider: "", ...(power ? { new: { inputs: { state: power } } } : {}) } } }));
  const counts = {};
  for (const [op] of steps) counts[op] = (counts[op] || 0) + 1;
  lines.push({ sequence: steps.length + 1, timestamp: steps.length + 1, summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: { ...counts, same: 30 }, policyPacks: {} } });
  fs.appendFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  sleep(400); // let the Automation API's tailer read them before the run ends
};
const [a, b] = args;
if (state.holdMs && a !== "up") sleep(state.holdMs);
if (a === "version") { process.stdout.write("v3.200.0\n"); process.exit(0); }
if (a === "stack" && b === "ls") {
  const names = state.stacks.concat(Object.keys(state.otherStacks || {}));
  process.stdout.write(JSON.stringify(names.map((name) => ({ name, current: name === (state.selected || "dev"), updateInProgress: false })))); process.exit(0);
}
const other = stack && state.otherStacks ? state.otherStacks[stack] : undefined;
if (typeof other === "string") fail("error: " + other);
if (other && a === "config" && args.includes("--json")) {
  const out = {};
  for (const [k, v] of Object.entries(other.config)) out[k] = { value: v, secret: false };
  process.stdout.write(JSON.stringify(out)); process.exit(0);
}
if (other && a === "stack" && b === "tag") { process.stdout.write(JSON.stringify(other.tags || {})); process.exit(0); }
if (other && a === "stack" && b === "output") { process.stdout.write(JSON.stringify(other.outputs || {})); process.exit(0); }
if (stack && !state.stacks.includes(stack)) fail("error: no stack named '" + stack + "' found");
if (stack && state.needsPassphrase && !process.env.PULUMI_CONFIG_PASSPHRASE && a === "config") {
  fail('error: constructing secrets manager of type "passphrase": passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables');
}
if (a === "stack" && b === "select") process.exit(0);
if (a === "config" && b === "set") {
  state.config[args[2]] = args[args.indexOf("--") + 1]; save(); process.exit(0);
}
if (a === "config" && b === "set-all") {
  for (let i = 0; i < args.length; i++) if (args[i] === "--plaintext" || args[i] === "--secret") {
    const kv = args[i + 1]; const eq = kv.indexOf("="); state.config[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  save(); process.exit(0);
}
if (a === "config" && args.includes("--json")) {
  const out = {};
  for (const [k, v] of Object.entries(state.config)) out[k] = { value: v, secret: false };
  process.stdout.write(JSON.stringify(out)); process.exit(0);
}
if (a === "stack" && b === "tag") {
  // As the Automation API calls them: stack tag set <k> <v> | get <k> | rm <k> | ls --json (each with --stack).
  const verb = args[2];
  if (state.noTags) fail("error: the current backend (file://" + process.cwd() + ") does not support stack tags");
  state.tags = state.tags || {};
  if (verb === "set") { state.tags[args[3]] = args[4]; save(); process.exit(0); }
  if (verb === "rm") { delete state.tags[args[3]]; save(); process.exit(0); }
  if (verb === "get") { if (!(args[3] in state.tags)) fail("error: stack tag '" + args[3] + "' not found"); process.stdout.write(state.tags[args[3]] + "\n"); process.exit(0); }
  if (verb === "ls") { process.stdout.write(JSON.stringify(state.tags)); process.exit(0); }
}
if (a === "stack" && b === "output") { process.stdout.write(JSON.stringify(state.outputs)); process.exit(0); }
if (a === "stack" && b === "history") { process.stdout.write(JSON.stringify(state.history)); process.exit(0); }
const finishUp = () => {
  if (state.locked) fail("error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with ` + "`pulumi cancel`" + String.raw`.");
  process.stdout.write("Updating (" + stack + ")\n");
  events(opt("--event-log"), machineKeys(state.config));
  state.applied = machineKeys(state.config);
  if (state.upError) { process.stdout.write("error: " + state.upError + "\n"); fail("error: update failed"); }
  // What the program does: the live slot's machine runs amiVersion and holds the address, the other standbyAmiVersion.
  const idOf = (pin) => "i-" + pin.replace(/[^0-9]/g, "").padStart(17, "0");
  const pin = state.config["ec2-rollback:amiVersion"];
  const standby = state.config["ec2-rollback:standbyAmiVersion"] || "";
  const amiOf = (pin) => (pin.startsWith("ami-") ? pin : "ami-" + pin.replace(/[^0-9]/g, "").padStart(16, "0") + "a");
  state.outputs.instanceId = idOf(pin);
  state.outputs.amiId = amiOf(pin);
  state.outputs.standbyAmiId = standby ? amiOf(standby) : "";
  state.outputs.amiVersion = pin;
  state.outputs.liveSlot = state.config["ec2-rollback:liveSlot"] || "blue";
  state.outputs.standbyInstanceId = standby ? idOf(standby) : "";
  state.outputs.standbyAmiVersion = standby;
  state.history.unshift({ version: state.history.length + 1, kind: "update", result: "succeeded", message: opt("--message"),
    startTime: new Date(Date.now() - 1000).toISOString(), endTime: new Date().toISOString(), config: Object.fromEntries(Object.entries(state.config).map(([k, v]) => [k, { value: v, secret: false }])) });
  save();
  process.stdout.write("Resources:\n    +-1 replaced\n");
  process.exit(0);
};
if (a === "up") {
  if (state.upSleepMs) {
    const sleepMs = state.upSleepMs; state.upSleepMs = 0; save();
    if (state.announceCancel) process.stdout.write("^C received; cancelling. If you would like to terminate immediately, press ^C again.\n");
    process.on("SIGINT", () => {
      fs.appendFileSync(logPath, JSON.stringify({ args: ["SIGINT"] }) + "\n");
      fail("error: update canceled");
    });
    setTimeout(finishUp, sleepMs);
  } else finishUp();
} else {
if (a === "preview") {
  const cf = opt("--config-file");
  const planned = { ...state.config };
  if (cf) {
    const text = fs.readFileSync(cf, "utf8");
    state.previewConfigFiles = (state.previewConfigFiles || []).concat([text]); save();
    for (const m of text.matchAll(/^\s+(ec2-rollback:\w+): *(.*)$/gm)) planned[m[1]] = m[2].replace(/^["']|["']$/g, "");
  }
  events(opt("--event-log"), machineKeys(planned)); process.stdout.write("Previewing update (" + stack + ")\n"); process.exit(0); }
fail("error: stub pulumi does not know: " + args.join(" "));
}
`;

export interface Stub {
  binDir: string;
  projectDir: string;
  /** Each call, in order: its arguments, the backend it was given, and when it started (ms since the epoch). */
  calls(): { args: string[]; backend: string | null; t0: number }[];
  /** How many `pulumi` calls ran one after another (calls that overlap in time count once). */
  rounds(): number;
  state(): StubState;
  setState(s: StubState): void;
  restorePath(): void;
}

export function installStubPulumi(initial: StubState): Stub {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-stub-"));
  const binDir = path.join(root, "bin");
  const projectDir = path.join(root, "project");
  fs.mkdirSync(binDir);
  fs.mkdirSync(projectDir);
  fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), "name: ec2-rollback\nruntime: nodejs\n");
  fs.writeFileSync(path.join(projectDir, "Pulumi.dev.yaml"), "encryptionsalt: v1:abc\nconfig:\n  aws:region: eu-west-1\n  ec2-rollback:amiVersion: myapp-v1.2.3\n");
  fs.writeFileSync(path.join(binDir, "pulumi"), SCRIPT, { mode: 0o755 });
  const logPath = path.join(root, "calls.jsonl");
  const statePath = path.join(root, "state.json");
  fs.writeFileSync(logPath, "");
  fs.writeFileSync(statePath, JSON.stringify(initial));
  const saved = { PATH: process.env.PATH, log: process.env.PULUMI_STUB_LOG, st: process.env.PULUMI_STUB_STATE };
  process.env.PATH = `${binDir}${path.delimiter}${process.env.PATH}`;
  process.env.PULUMI_STUB_LOG = logPath;
  process.env.PULUMI_STUB_STATE = statePath;
  const lines = () =>
    fs
      .readFileSync(logPath, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  return {
    binDir,
    projectDir,
    calls: () => lines().filter((l) => l.args),
    rounds: () => {
      const all = lines();
      const ends = new Map(all.filter((l) => l.exited).map((l) => [l.exited, l.t1 as number]));
      const spans = all.filter((l) => l.t0).map((l) => ({ t0: l.t0 as number, t1: ends.get(l.pid) ?? Infinity })).sort((a, b) => a.t0 - b.t0);
      let rounds = 0;
      let end = -Infinity;
      for (const c of spans) {
        if (c.t0 >= end) rounds++;
        end = c.t0 >= end ? c.t1 : Math.max(end, c.t1);
      }
      return rounds;
    },
    state: () => JSON.parse(fs.readFileSync(statePath, "utf8")),
    setState: (s) => fs.writeFileSync(statePath, JSON.stringify(s)),
    restorePath: () => {
      process.env.PATH = saved.PATH;
      process.env.PULUMI_STUB_LOG = saved.log;
      process.env.PULUMI_STUB_STATE = saved.st;
      if (saved.log === undefined) delete process.env.PULUMI_STUB_LOG;
      if (saved.st === undefined) delete process.env.PULUMI_STUB_STATE;
    },
  };
}

export function stubState(): StubState {
  return {
    stacks: ["dev"],
    config: { "aws:region": "eu-west-1", "ec2-rollback:appName": "myapp", "ec2-rollback:amiVersion": "myapp-v1.2.3" },
    outputs: { instanceId: "i-00000000000000123", publicIp: "203.0.113.10", elasticIpAllocationId: "eipalloc-1", amiId: "ami-0000000000000123a", region: "eu-west-1" },
    history: [
      { version: 2, kind: "update", result: "succeeded", startTime: "2026-11-20T00:00:00Z", config: { "ec2-rollback:amiVersion": { value: "myapp-v1.2.3", secret: false } } },
      { version: 1, kind: "update", result: "succeeded", startTime: "2026-11-10T00:00:00Z", config: { "ec2-rollback:amiVersion": { value: "myapp-v1.2.2", secret: false } } },
    ],
  };
}
