// The gradwasm command run in-process (src/cli/main.ts's run): its exit code and what it printed.
import { run } from '../../src/cli/main.js';

export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '',
    err = '';
  const code = await run(
    argv,
    (t) => void (out += t),
    (t) => void (err += t),
  );
  return { code, out, err };
}
