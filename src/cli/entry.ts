// The `gradwasm` executable (dist/cli.js).
import { run } from './main.js';

// A reader that stops early (`gradwasm predict … | head`) closes the pipe: that ends the output,
// not the command. Later writes are dropped, and the work goes on to its end (train still saves
// its model); a closed stderr leaves nowhere to say anything more.
let stdoutClosed = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  stdoutClosed = true;
});
process.stderr.on('error', () => {});

/** Write to standard output; when the reader is behind, a promise of the moment it has caught up
 *  (or gone), which predict waits for before its next rows: the output never piles up in memory. */
function write(text: string): void | Promise<void> {
  if (stdoutClosed || process.stdout.write(text)) return;
  return new Promise((resolve) => {
    const done = (): void => {
      process.stdout.off('drain', done).off('close', done);
      resolve();
    };
    process.stdout.on('drain', done).on('close', done);
  });
}

run(process.argv.slice(2), write).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
