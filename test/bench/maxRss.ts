// Preloaded (`node -r`) into a measured process: writes its peak resident memory (KiB, the kernel's
// maxrss) to $EC2RB_MAXRSS_FILE when it exits, however it exits (the CLI ends with process.exit).
import * as fs from "fs";

const file = process.env.EC2RB_MAXRSS_FILE;
if (file) process.on("exit", () => fs.writeFileSync(file, String(process.resourceUsage().maxRSS)));
