export declare const PAGES: readonly string[];
export declare function sizesBlock(sizes: Record<string, { raw: number; gzip: number }>): string;
export declare function headlineBlock(results: unknown): string;
export declare function performanceBlock(results: unknown): string;
export declare function withFigures(page: string, text: string, blocks: Record<string, string>): string;
export declare function markedFigures(text: string): Record<string, string>;
export declare function figures(): Record<string, string>;
