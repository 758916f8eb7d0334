// The package's version, for the files gradwasm writes (ONNX producer_version, TF.js metadata).
// The build replaces GRADWASM_VERSION with package.json's version (esbuild's `define`); sources
// run as they are (vitest) have none, and say 'dev', as the command line's --version does.
declare const GRADWASM_VERSION: string | undefined;

/** package.json's version as the build put it in, or 'dev'. Read at each call, so a test can stub it. */
export function gradwasmVersion(): string {
  return typeof GRADWASM_VERSION === 'string' ? GRADWASM_VERSION : 'dev';
}
