export declare const WORKER_CODE: RegExp;
export declare const STRING_MODULE_TYPES: string;
export declare function stringModule(text: string): string;
export declare function bundleWorker(options: {
  entry: string;
  platform: 'node' | 'browser' | 'neutral';
  plugins?: unknown[];
  minify?: boolean;
  define?: Record<string, string>;
}): Promise<string>;
