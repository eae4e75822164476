import { createReadStream } from 'node:fs';
import type { CliIo } from '../../src/cli';

/**
 * A `CliIo` that records stdout and stderr. Files are read from disk (streamed, as `processIo` does), or from `files`
 * when given; `-` reads `stdin`.
 */
export function recordingIo(opts: { stdin?: string; files?: Record<string, string> } = {}): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (t: string) => {
      io.out += t;
    },
    stderr: (t: string) => {
      io.err += t;
    },
    open: async (p: string) => {
      if (p === '-') return { chunks: [Buffer.from(opts.stdin ?? '')] };
      if (opts.files) return { chunks: [Buffer.from(opts.files[p] ?? '')] };
      return { chunks: createReadStream(p) };
    },
  };
  return io;
}
