// The training progress bar: one line per run, redrawn after every epoch (cli-progress).
import { SingleBar } from 'cli-progress';
import type { EpochLog } from '../sequential.js';

/** A progress bar over `epochs` epochs; `update` after each one; `stop` when done. */
export class TrainingProgress {
  private readonly bar: SingleBar;
  private readonly started = performance.now();

  constructor(epochs: number, private readonly rowsPerEpoch: number, stream: NodeJS.WritableStream = process.stderr) {
    this.bar = new SingleBar({
      stream,
      format: 'epoch {value}/{total} {bar} loss {loss}  val loss {valLoss}  {rate} samples/s  ETA {eta_formatted}',
      barCompleteChar: '█',
      barIncompleteChar: '░',
      barsize: 24,
      hideCursor: true,
      etaBuffer: 20,
      // Not a terminal (CI, a pipe): one line every 10 % instead of redrawing.
      noTTYOutput: true,
      notTTYSchedule: 2000,
    });
    this.bar.start(epochs, 0, { loss: '—', valLoss: '—', rate: '—' });
  }

  update(log: EpochLog): void {
    const seconds = (performance.now() - this.started) / 1000;
    const rate = Math.round(((log.epoch + 1) * this.rowsPerEpoch) / seconds);
    this.bar.update(log.epoch + 1, {
      loss: log.loss.toFixed(4),
      valLoss: log.valLoss === undefined ? '—' : log.valLoss.toFixed(4),
      rate: rate.toLocaleString('en-US'),
    });
  }

  stop(): void {
    this.bar.stop();
  }
}
