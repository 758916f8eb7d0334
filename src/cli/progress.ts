// The training progress bar: one line per run, moving within each epoch (cli-progress): rows
// trained, the last epoch's losses, rows/s and the MB/s read from the file.
import { SingleBar } from 'cli-progress';
import type { EpochLog } from '../train/history.js';

/** A progress bar over the rows of `epochs` epochs (from `first`); `rows` within an epoch, `epochEnd` after one; `stop` when done. */
export class TrainingProgress {
  private readonly bar: SingleBar;
  private readonly started = performance.now();
  private done = 0;
  private loss = '—';
  private valLoss = '—';

  /** `bytesRead`: the bytes read from the file so far, when it is streamed (null: held in memory). */
  constructor(
    private readonly first: number,
    private readonly epochs: number,
    private readonly rowsPerEpoch: number,
    private readonly bytesRead: (() => number) | null,
    stream: NodeJS.WritableStream = process.stderr,
  ) {
    this.bar = new SingleBar({
      stream,
      format: `epoch {epoch}/{epochs} {bar} loss {loss}  val loss {valLoss}  {rate} rows/s${bytesRead ? '  {mbps} MB/s' : ''}  ETA {eta_formatted}`,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      barsize: 24,
      hideCursor: true,
      etaBuffer: 50,
      // Not a terminal (CI, a pipe): one line every 10 % instead of redrawing.
      noTTYOutput: true,
      notTTYSchedule: 2000,
    });
    this.bar.start((epochs - first) * rowsPerEpoch, 0, this.payload(first));
  }

  /** Rows trained so far in `epoch` (0-based). */
  rows(epoch: number, rows: number): void {
    this.update(epoch, (epoch - this.first) * this.rowsPerEpoch + rows);
  }

  epochEnd(log: EpochLog): void {
    this.loss = log.loss.toFixed(4);
    this.valLoss = log.valLoss === undefined ? '—' : log.valLoss.toFixed(4);
    this.update(log.epoch + 1, (log.epoch + 1 - this.first) * this.rowsPerEpoch);
  }

  private update(epoch: number, value: number): void {
    this.done = value;
    this.bar.update(value, this.payload(epoch));
  }

  private payload(epoch: number): Record<string, string> {
    const seconds = (performance.now() - this.started) / 1000;
    return {
      epoch: String(Math.min(epoch, this.epochs)),
      epochs: String(this.epochs),
      loss: this.loss,
      valLoss: this.valLoss,
      rate: seconds > 0 && this.done > 0 ? Math.round(this.done / seconds).toLocaleString('en-US') : '—',
      mbps: seconds > 0 && this.bytesRead ? (this.bytesRead() / 1e6 / seconds).toFixed(0) : '—',
    };
  }

  stop(): void {
    this.bar.stop();
  }
}
