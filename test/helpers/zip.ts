// Reads a revision bundle back: each entry's text, bytes and permission bits.
import * as yauzl from "yauzl";

export function unzip(buf: Buffer): Promise<Map<string, { data: string; bytes: Buffer; mode: number }>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out = new Map<string, { data: string; bytes: Buffer; mode: number }>();
      zip.on("entry", (e: yauzl.Entry) => {
        zip.openReadStream(e, (err2, s) => {
          if (err2 || !s) return reject(err2);
          const chunks: Buffer[] = [];
          s.on("data", (c: Buffer) => chunks.push(c));
          s.on("end", () => {
            const bytes = Buffer.concat(chunks);
            out.set(e.fileName, { data: bytes.toString(), bytes, mode: (e.externalFileAttributes >>> 16) & 0o777 });
            zip.readEntry();
          });
        });
      });
      zip.on("end", () => resolve(out));
      zip.readEntry();
    });
  });
}
